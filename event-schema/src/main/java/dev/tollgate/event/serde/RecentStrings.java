package dev.tollgate.event.serde;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes UTF-8 strings, handing back the same {@link String} for the same bytes while it stays in
 * a small table of recently decoded values (direct-mapped: a value evicts whatever shared its
 * slot). An event's dimensions (tenant, team, model, tags…) take few distinct values: shared, they
 * are not decoded or allocated again, their hash is computed once, and comparisons of rows' groups
 * find them identical without comparing characters. Values longer than {@link #MAX_BYTES} are
 * decoded as they are.
 *
 * <p>Not thread-safe: one per thread (or per serializer instance, duplicated per thread).
 */
public final class RecentStrings {

  public static final int SLOTS = 1024;
  public static final int MAX_BYTES = 128;

  private final byte[][] keys = new byte[SLOTS][];
  private final String[] values = new String[SLOTS];

  /** {@code utf8[0, length)} decoded as UTF-8. */
  public String decode(byte[] utf8, int length) {
    if (length > MAX_BYTES) {
      return new String(utf8, 0, length, StandardCharsets.UTF_8);
    }
    int hash = 0;
    for (int i = 0; i < length; i++) {
      hash = 31 * hash + utf8[i];
    }
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    byte[] key = keys[slot];
    if (key != null && Arrays.equals(key, 0, key.length, utf8, 0, length)) {
      return values[slot];
    }
    byte[] copy = Arrays.copyOf(utf8, length);
    String value = new String(copy, StandardCharsets.UTF_8);
    keys[slot] = copy;
    values[slot] = value;
    return value;
  }
}
