package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** Small readers for scalar values reported to a {@link JsonSink}. Stateless. */
final class Json {

  /** Longest model name, id, finish reason or error type kept; longer values are cut. */
  static final int MAX_TEXT = 256;

  private Json() {}

  /** A token count: a non-negative integer, else 0 (missing counts read as 0). */
  static long count(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    try {
      if (token == JsonToken.VALUE_NUMBER_INT) {
        return Math.max(0, p.getLongValue());
      }
      if (token == JsonToken.VALUE_NUMBER_FLOAT) {
        return Math.max(0, (long) p.getDoubleValue());
      }
    } catch (IOException | RuntimeException e) {
      return 0; // out of range: not a count the edge can use
    }
    return 0;
  }

  /**
   * {@code a + b} for counts from {@link #count}, at most {@link Long#MAX_VALUE}: a value past any
   * real count (a float such as {@code 1e999} reads as the largest long) must not wrap negative.
   */
  static long sum(long a, long b) {
    return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
  }

  /** A non-empty string value, cut to {@link #MAX_TEXT}; null for anything else. */
  static String text(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING) {
      return null;
    }
    String text = p.getText();
    if (text == null || text.isEmpty()) {
      return null;
    }
    return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
  }

  /** A string or number as text (error codes are either); null otherwise. */
  static String scalarText(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    if (token == JsonToken.VALUE_NUMBER_INT) {
      return p.getText();
    }
    return text(p);
  }

  /** True for a non-empty string (a content delta). */
  static boolean nonEmptyString(JsonParser p) throws IOException {
    return p.currentToken() == JsonToken.VALUE_STRING && p.getTextLength() > 0;
  }
}
