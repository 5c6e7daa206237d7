package dev.tollgate.job.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class PriceCatalogTest {

  private static final LocalDate DAY = LocalDate.of(2025, 11, 3);

  @Test
  void readsPricesAsExactDecimals() {
    ModelPrice price = PriceCatalog.bundled().find("o4-mini", DAY).orElseThrow();

    assertThat(price.rates().cacheRead()).isEqualByComparingTo(new BigDecimal("0.275"));
    assertThat(price.rates().input()).isEqualByComparingTo(new BigDecimal("1.1"));
    assertThat(price.rates().output()).isEqualByComparingTo(new BigDecimal("4.4"));
  }

  @Test
  void resolvesAliasesSnapshotsAndResourceNames() {
    PriceCatalog catalog = PriceCatalog.bundled();

    assertThat(catalog.resolve("claude-haiku-4-5-20251001")).isEqualTo("claude-haiku-4-5");
    assertThat(catalog.resolve("claude-sonnet-4-5@20250929")).isEqualTo("claude-sonnet-4-5");
    assertThat(catalog.resolve("claude-sonnet-4-0")).isEqualTo("claude-sonnet-4");
    assertThat(catalog.resolve("GPT-4O-2024-08-06")).isEqualTo("gpt-4o");
    assertThat(catalog.resolve("models/gemini-2.5-flash")).isEqualTo("gemini-2.5-flash");
    assertThat(catalog.resolve("gpt-4o-mini-tts")).isNull();
    assertThat(catalog.resolve("")).isNull();
  }

  @Test
  void reportsEveryProblemInABadCatalog() {
    assertThatThrownBy(() -> PriceCatalog.parse("bad.yaml", """
        models:
          a:
            prices:
              - valid_from: yesterday
                input: 1
                output: 2
          b:
            prices:
              - valid_from: 2025-01-01
                input: -1
          c:
            aliases: [a]
            prices:
              - valid_from: 2025-01-01
                input: 1
                output: 1
        """))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("models.a.prices[0].valid_from: yesterday")
        .hasMessageContaining("models.b.prices[0].input: -1 (expected: >= 0)")
        .hasMessageContaining("models.b.prices[0].output: missing")
        .hasMessageContaining("name a already belongs to a");
  }

  @Test
  void loadsTheBundledCatalogWhenNoFileIsGiven() {
    assertThat(PriceCatalog.load("").size()).isEqualTo(PriceCatalog.bundled().size()).isGreaterThanOrEqualTo(10);
  }
}
