package dev.tollgate.job.workflow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.core.memory.DataInputView;

/**
 * Reads UTF-8 strings, handing back the same {@link String} for the same bytes while it stays in
 * a small table of recently read values (direct-mapped: a value evicts whatever shared its slot).
 * A row's dimensions (tenant, team, model, tags…) take few distinct values: shared, they are not
 * decoded or allocated again, their hash is computed once, and the rollup's group comparisons
 * find them identical without comparing characters. Values longer than {@link #MAX_BYTES} are
 * read as they are.
 *
 * <p>Not thread-safe: one per serializer instance, and serializers are duplicated per thread.
 */
final class RecentStrings {

  static final int SLOTS = 1024;
  static final int MAX_BYTES = 128;

  private final byte[][] keys = new byte[SLOTS][];
  private final String[] values = new String[SLOTS];
  private final byte[] scratch = new byte[MAX_BYTES];

  /** The next {@code length} bytes of {@code in}, decoded as UTF-8. */
  String read(DataInputView in, int length) throws IOException {
    if (length > MAX_BYTES) {
      byte[] utf8 = new byte[length];
      in.readFully(utf8);
      return new String(utf8, StandardCharsets.UTF_8);
    }
    in.readFully(scratch, 0, length);
    int hash = 0;
    for (int i = 0; i < length; i++) {
      hash = 31 * hash + scratch[i];
    }
    int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    byte[] key = keys[slot];
    if (key != null && Arrays.equals(key, 0, key.length, scratch, 0, length)) {
      return values[slot];
    }
    byte[] copy = Arrays.copyOf(scratch, length);
    String value = new String(copy, StandardCharsets.UTF_8);
    keys[slot] = copy;
    values[slot] = value;
    return value;
  }
}
