package dev.tollgate.analytics.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlLiteralTest {

  @Test
  void wrapsPlainTextInSingleQuotes() {
    assertThat(SqlLiteral.quote("team-a")).isEqualTo("'team-a'");
    assertThat(SqlLiteral.quote("")).isEqualTo("''");
  }

  @Test
  void escapesQuotesSoTheLiteralCannotBeClosed() {
    assertThat(SqlLiteral.quote("x' OR 1=1 --")).isEqualTo("'x\\' OR 1=1 --'");
    assertThat(SqlLiteral.quote("''")).isEqualTo("'\\'\\''");
  }

  @Test
  void escapesBackslashesSoAnEscapedQuoteCannotBeUnescaped() {
    // Input \' must not become \\' (an escaped backslash followed by a closing quote).
    assertThat(SqlLiteral.quote("a\\")).isEqualTo("'a\\\\'");
    assertThat(SqlLiteral.quote("\\'")).isEqualTo("'\\\\\\''");
  }

  @Test
  void keepsCommentsFormatAndUnionInertInsideTheLiteral() {
    assertThat(SqlLiteral.quote("a' /* x */ --")).isEqualTo("'a\\' /* x */ --'");
    assertThat(SqlLiteral.quote("x' FORMAT TabSeparated")).isEqualTo("'x\\' FORMAT TabSeparated'");
    assertThat(SqlLiteral.quote("x' UNION ALL SELECT * FROM invocations --"))
        .isEqualTo("'x\\' UNION ALL SELECT * FROM invocations --'");
  }

  @Test
  void leavesUnicodeEscapeTextAsLiteralCharacters() {
    assertThat(SqlLiteral.quote("\\u0027 OR 1=1")).isEqualTo("'\\\\u0027 OR 1=1'");
    assertThat(SqlLiteral.quote("\\x27")).isEqualTo("'\\\\x27'");
    // Look-alike quotes are ordinary characters to ClickHouse.
    assertThat(SqlLiteral.quote("\u2019\uff07")).isEqualTo("'\u2019\uff07'");
    assertThat(SqlLiteral.quote("tüm 😀")).isEqualTo("'tüm 😀'");
  }

  @Test
  void refusesControlCharactersAndBrokenSurrogates() {
    for (String bad : new String[] {"a\u0000b", "a\nb", "a\rb", "a\tb", "\u007f", "\u0085", "\ud800", "x\udc00"}) {
      assertThat(SqlLiteral.isQuotable(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> SqlLiteral.quote(bad)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> SqlLiteral.quote(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void writesNumbersAsDigits() {
    assertThat(SqlLiteral.number(-42)).isEqualTo("-42");
  }
}
