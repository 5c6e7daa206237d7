package dev.tollgate.fake;

import java.util.List;
import java.util.Map;

/**
 * One response's token usage as normalised totals: {@code input} counts every prompt token
 * including cache reads and writes, {@code output} every output token including reasoning. Each
 * protocol converts these to its own wire convention (Anthropic's {@code input_tokens}, for
 * example, excludes the cache tokens).
 *
 * <p>Immutable.
 */
record Usage(long input, long output, long cached, long reasoning, long cacheWrite, long cacheWrite1h) {

  static final List<String> KEYS =
      List.of("input", "output", "cached", "reasoning", "cache_write", "cache_write_1h");

  Usage {
    if (cached + cacheWrite > input) {
      throw new IllegalArgumentException(
          Controls.USAGE + ": cached=" + cached + " + cache_write=" + cacheWrite + " > input=" + input
              + " (expected: input counts every prompt token, cached and cache writes included)");
    }
    if (reasoning > output) {
      throw new IllegalArgumentException(
          Controls.USAGE + ": reasoning=" + reasoning + " > output=" + output
              + " (expected: output counts every output token, reasoning included)");
    }
    if (cacheWrite1h > cacheWrite) {
      throw new IllegalArgumentException(
          Controls.USAGE + ": cache_write_1h=" + cacheWrite1h + " > cache_write=" + cacheWrite
              + " (expected: cache_write_1h is the 1-hour part of cache_write)");
    }
  }

  /**
   * The usage for a request: the {@code x-fake-usage} values where given, otherwise the default
   * rule {@code input = ceil(body bytes / 4)} (at least 1) and {@code output = chunks} (one token
   * per content delta); the other counts default to 0.
   */
  static Usage resolve(Map<String, Long> given, int bodyBytes, int chunks) {
    long defaultInput = Math.max(1, (bodyBytes + 3L) / 4);
    return new Usage(
        given.getOrDefault("input", defaultInput),
        given.getOrDefault("output", (long) chunks),
        given.getOrDefault("cached", 0L),
        given.getOrDefault("reasoning", 0L),
        given.getOrDefault("cache_write", 0L),
        given.getOrDefault("cache_write_1h", 0L));
  }

  /** Cache writes with the default 5-minute lifetime. */
  long cacheWrite5m() {
    return cacheWrite - cacheWrite1h;
  }

  /** Prompt tokens that were neither read from nor written to a cache (Anthropic's input_tokens). */
  long uncachedInput() {
    return input - cached - cacheWrite;
  }
}
