package dev.tollgate.fake;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Random identifiers in the shapes the real APIs use ({@code chatcmpl-…}, {@code msg_01…},
 * {@code req_…}).
 *
 * <p>Thread-safe.
 */
final class Ids {

  private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final String HEX = "0123456789abcdef";

  private Ids() {}

  static String alnum(int length) {
    return random(ALNUM, length);
  }

  static String hex(int length) {
    return random(HEX, length);
  }

  private static String random(String alphabet, int length) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[length];
    for (int i = 0; i < length; i++) {
      out[i] = alphabet.charAt(random.nextInt(alphabet.length()));
    }
    return new String(out);
  }
}
