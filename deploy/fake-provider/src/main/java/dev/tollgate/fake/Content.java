package dev.tollgate.fake;

import java.util.ArrayList;
import java.util.List;

/**
 * The deterministic reply text: one word per content delta, so a reply of {@code n} chunks is
 * always the same {@code n} pieces.
 *
 * <p>Immutable.
 */
final class Content {

  private static final String[] WORDS = {
    "Hello", " from", " the", " Tollgate", " fake", " provider.", " This", " reply", " is", " deterministic."
  };

  private Content() {}

  static List<String> pieces(int chunks) {
    List<String> pieces = new ArrayList<>(chunks);
    for (int i = 0; i < chunks; i++) {
      pieces.add(WORDS[i % WORDS.length]);
    }
    return pieces;
  }

  static String text(int chunks) {
    return String.join("", pieces(chunks));
  }

  /** How many content deltas a stream sends before a requested mid-stream error: half, at least one. */
  static int failAfter(int chunks) {
    return Math.min(chunks, Math.max(1, chunks / 2));
  }
}
