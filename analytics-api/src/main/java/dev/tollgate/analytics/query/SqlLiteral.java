package dev.tollgate.analytics.query;

/**
 * The one place where values become ClickHouse SQL literals. ClickHouse 18.16 has no server-side
 * query parameters, so every user-supplied value reaches SQL through {@link #quote(String)}:
 * inside a single-quoted literal only a backslash or a quote can end or alter it, and both are
 * escaped; control characters and broken surrogates are refused rather than passed on.
 *
 * <p>Stateless and thread-safe.
 */
public final class SqlLiteral {

  private SqlLiteral() {}

  /** True when {@link #quote(String)} accepts {@code value}: no control characters, no lone surrogates. */
  public static boolean isQuotable(String value) {
    if (value == null) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        return false;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code value} as a single-quoted ClickHouse string literal: {@code \} becomes {@code \\} and
   * {@code '} becomes {@code \'}; everything else (comments, {@code FORMAT}, {@code UNION},
   * {@code \u0027}-style text) stays inert data inside the quotes.
   *
   * @throws IllegalArgumentException when {@code value} is null or not {@linkplain #isQuotable quotable}
   */
  public static String quote(String value) {
    if (!isQuotable(value)) {
      throw new IllegalArgumentException("value not allowed in a SQL literal (null, control character or broken surrogate)");
    }
    StringBuilder out = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == '\'') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.append('\'').toString();
  }

  /** A whole number literal; numbers never need quoting, but they do need to be numbers. */
  public static String number(long value) {
    return Long.toString(value);
  }
}
