package dev.tollgate.fake;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The per-request behaviour a caller asked for with {@code x-fake-*} request headers; a bad value
 * is an {@link IllegalArgumentException} whose message names the header, the value and what was
 * expected.
 *
 * <p>Immutable, so safe to share.
 */
record Controls(
    Map<String, Long> usage,
    int status,
    long delayMs,
    long chunkDelayMs,
    int chunks,
    Failure failure,
    long retryAfterMs) {

  static final String USAGE = "x-fake-usage";
  static final String STATUS = "x-fake-status";
  static final String DELAY_MS = "x-fake-delay-ms";
  static final String CHUNK_DELAY_MS = "x-fake-chunk-delay-ms";
  static final String CHUNKS = "x-fake-chunks";
  static final String FAIL = "x-fake-fail";
  static final String RETRY_AFTER_MS = "x-fake-retry-after-ms";

  static final int DEFAULT_CHUNKS = 6;
  static final long DEFAULT_RETRY_AFTER_MS = 1000;

  private static final Set<String> HEADERS =
      Set.of(USAGE, STATUS, DELAY_MS, CHUNK_DELAY_MS, CHUNKS, FAIL, RETRY_AFTER_MS);
  private static final long MAX_DELAY_MS = 600_000;
  private static final int MAX_CHUNKS = 10_000;
  private static final long MAX_TOKENS = 100_000_000L;

  /** How a stream should go wrong, if at all. */
  enum Failure {
    NONE,
    /** An error event in the provider's shape after some content, once the 200 is sent. */
    MID_STREAM_ERROR,
    /** The connection is closed before the event that carries the final usage. */
    DISCONNECT
  }

  /** Status 0 means "answer normally". */
  static final Controls NONE =
      new Controls(Map.of(), 0, 0, 0, DEFAULT_CHUNKS, Failure.NONE, DEFAULT_RETRY_AFTER_MS);

  static Controls parse(HttpHeaders headers) {
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-fake-") && !HEADERS.contains(name)) {
        throw new IllegalArgumentException(
            name + ": unknown control header (expected one of " + String.join(", ", HEADERS.stream().sorted().toList()) + ")");
      }
    }
    return new Controls(
        usage(headers.get(USAGE)),
        status(headers.get(STATUS)),
        number(DELAY_MS, headers.get(DELAY_MS), 0, 0, MAX_DELAY_MS),
        number(CHUNK_DELAY_MS, headers.get(CHUNK_DELAY_MS), 0, 0, MAX_DELAY_MS),
        (int) number(CHUNKS, headers.get(CHUNKS), DEFAULT_CHUNKS, 1, MAX_CHUNKS),
        failure(headers.get(FAIL)),
        number(RETRY_AFTER_MS, headers.get(RETRY_AFTER_MS), DEFAULT_RETRY_AFTER_MS, 0, MAX_DELAY_MS));
  }

  boolean hasStatus() {
    return status != 0;
  }

  private static Map<String, Long> usage(String raw) {
    if (raw == null) {
      return Map.of();
    }
    Map<String, Long> values = new HashMap<>();
    for (String part : raw.split(",")) {
      String trimmed = part.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      String key = eq < 0 ? trimmed : trimmed.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      if (eq < 0 || !Usage.KEYS.contains(key)) {
        throw new IllegalArgumentException(
            USAGE + ": '" + trimmed + "' (expected: key=count with key one of " + String.join(", ", Usage.KEYS) + ")");
      }
      values.put(key, number(USAGE + " " + key, trimmed.substring(eq + 1).trim(), 0, 0, MAX_TOKENS));
    }
    return Map.copyOf(values);
  }

  private static int status(String raw) {
    if (raw == null) {
      return 0;
    }
    return (int) number(STATUS, raw, 0, 400, 599);
  }

  private static Failure failure(String raw) {
    if (raw == null) {
      return Failure.NONE;
    }
    switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "mid-stream-error":
        return Failure.MID_STREAM_ERROR;
      case "disconnect":
        return Failure.DISCONNECT;
      default:
        throw new IllegalArgumentException(FAIL + ": '" + raw + "' (expected: mid-stream-error or disconnect)");
    }
  }

  private static long number(String name, String raw, long def, long min, long max) {
    if (raw == null) {
      return def;
    }
    long value;
    try {
      value = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": '" + raw + "' (expected: an integer in [" + min + ", " + max + "])", e);
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: an integer in [" + min + ", " + max + "])");
    }
    return value;
  }
}
