package dev.tollgate.job.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PricerTest {

  private final Pricer pricer = new Pricer(PriceCatalog.bundled());

  private static Invocation usage(String model, long input, long cacheRead, long cacheWrite, long cacheWrite1h, long output) {
    Invocation row = TestEvents.row("e-1", model);
    row.inputTokens = input;
    row.cacheReadInputTokens = cacheRead;
    row.cacheWriteInputTokens = cacheWrite;
    row.cacheWrite1hInputTokens = cacheWrite1h;
    row.outputTokens = output;
    return row;
  }

  @Test
  void chargesCachedTokensOnceAtTheCachePriceForGpt4oMini() {
    // 10,000 input of which 4,000 cached, 500 output; $0.15 / $0.075 / $0.60 per 1M.
    Invocation row = usage("gpt-4o-mini", 10_000, 4_000, 0, 0, 500);

    pricer.price(row);

    // 6,000 x 150 + 4,000 x 75 + 500 x 600 nano-dollars.
    assertThat(row.costNanos).isEqualTo(900_000L + 300_000L + 300_000L);
    assertThat(row.pricingStatus).isEqualTo(PricingStatus.PRICED);
    assertThat(row.priceRef).isEqualTo("gpt-4o-mini@2024-07-18");
  }

  @Test
  void chargesCacheReadsAndFiveMinuteCacheWritesForClaudeSonnet45() {
    // 20,000 input: 12,000 cache read, 5,000 written (5m), 3,000 plain; 1,000 output.
    Invocation row = usage("claude-sonnet-4-5-20250929", 20_000, 12_000, 5_000, 0, 1_000);

    pricer.price(row);

    // 3,000 x 3,000 + 12,000 x 300 + 5,000 x 3,750 + 1,000 x 15,000 nano-dollars.
    assertThat(row.costNanos).isEqualTo(9_000_000L + 3_600_000L + 18_750_000L + 15_000_000L);
    assertThat(row.priceRef).isEqualTo("claude-sonnet-4-5@2025-09-29");
  }

  @Test
  void chargesOneHourCacheWritesAtTheirOwnPrice() {
    // Opus 4.1: 1,000 plain, 2,000 written of which 500 with 1h TTL, 100 output.
    Invocation row = usage("claude-opus-4-1", 3_000, 0, 2_000, 500, 100);

    pricer.price(row);

    // 1,000 x 15,000 + 1,500 x 18,750 + 500 x 30,000 + 100 x 75,000.
    assertThat(row.costNanos).isEqualTo(15_000_000L + 28_125_000L + 15_000_000L + 7_500_000L);
  }

  @Test
  void leavesCostNullForAModelWithoutAPrice() {
    Invocation row = usage("acme-llm-9000", 1_000, 0, 0, 0, 1_000);

    pricer.price(row);

    assertThat(row.costNanos).isNull();
    assertThat(row.pricingStatus).isEqualTo(PricingStatus.UNPRICED);
    assertThat(row.priceRef).isEmpty();
  }

  @Test
  void matchesADatedSnapshotToItsBaseModel() {
    Invocation snapshot = usage("gpt-4o-mini-2024-07-18", 1_000_000, 0, 0, 0, 1_000_000);
    Invocation base = usage("gpt-4o-mini", 1_000_000, 0, 0, 0, 1_000_000);

    pricer.price(snapshot);
    pricer.price(base);

    // $0.15 + $0.60 for one million tokens each.
    assertThat(snapshot.costNanos).isEqualTo(750_000_000L).isEqualTo(base.costNanos);
    assertThat(snapshot.priceRef).isEqualTo("gpt-4o-mini@2024-07-18");
  }

  @Test
  void prefersAListedSnapshotOverItsBaseModel() {
    Invocation row = usage("gpt-4o-2024-05-13", 1_000, 0, 0, 0, 1_000);

    pricer.price(row);

    // $5 / $15 per 1M, not gpt-4o's $2.50 / $10.
    assertThat(row.costNanos).isEqualTo(5_000_000L + 15_000_000L);
  }

  @Test
  void pricesByTheResponseModelWhenTheRequestNamedNone() {
    Invocation row = usage("ignored", 1_000, 0, 0, 0, 0);
    row.requestModel = null;
    row.responseModel = "gpt-4.1-2025-04-14";

    pricer.price(row);

    assertThat(row.costNanos).isEqualTo(2_000_000L);
  }

  @Test
  void usesThePriceValidOnTheEventsDate() {
    Invocation before = usage("o3", 1_000, 0, 0, 0, 1_000);
    before.receivedAtUs = Instant.parse("2025-06-09T23:59:59Z").toEpochMilli() * 1000;
    Invocation after = usage("o3", 1_000, 0, 0, 0, 1_000);
    after.receivedAtUs = Instant.parse("2025-06-10T00:00:00Z").toEpochMilli() * 1000;

    pricer.price(before);
    pricer.price(after);

    assertThat(before.costNanos).isEqualTo(10_000_000L + 40_000_000L);
    assertThat(after.costNanos).isEqualTo(2_000_000L + 8_000_000L);
    assertThat(after.priceRef).isEqualTo("o3@2025-06-10");
  }

  @Test
  void leavesAnEventBeforeTheFirstPriceUnpriced() {
    Invocation row = usage("gpt-4.1", 1_000, 0, 0, 0, 1_000);
    row.receivedAtUs = Instant.parse("2025-04-13T12:00:00Z").toEpochMilli() * 1000;

    pricer.price(row);

    assertThat(row.pricingStatus).isEqualTo(PricingStatus.UNPRICED);
    assertThat(row.costNanos).isNull();
  }

  @Test
  void switchesGemini25ProToTheLongContextTierAbove200kPromptTokens() {
    Invocation at = usage("gemini-2.5-pro", 200_000, 0, 0, 0, 1_000);
    Invocation above = usage("models/gemini-2.5-pro", 200_001, 1, 0, 0, 1_000);

    pricer.price(at);
    pricer.price(above);

    // <= 200k: $1.25 in, $10 out. > 200k: $2.50 in, $0.25 cache read, $15 out.
    assertThat(at.costNanos).isEqualTo(200_000L * 1_250 + 1_000L * 10_000);
    assertThat(above.costNanos).isEqualTo(200_000L * 2_500 + 250L + 1_000L * 15_000);
    assertThat(above.priceRef).isEqualTo("gemini-2.5-pro@2025-06-17/long_context");
  }

  @Test
  void roundsFractionalNanoDollarsOnceHalfEven() {
    PriceCatalog catalog = PriceCatalog.parse("test", """
        models:
          tiny:
            prices:
              - valid_from: 2020-01-01
                input: 0.0005
                output: 0.0015
        """);
    Invocation row = usage("tiny", 3, 0, 0, 0, 1);

    new Pricer(catalog).price(row);

    // 3 x 0.5 + 1 x 1.5 = 3.0 nano-dollars: summed exactly before rounding, not 2 + 2 = 4.
    assertThat(row.costNanos).isEqualTo(3L);
  }

  @Test
  void reportsNoUsageWhenTheCountsAreUnknown() {
    Invocation row = usage("gpt-4o", 0, 0, 0, 0, 0);
    row.usageSource = "none";

    pricer.price(row);

    assertThat(row.pricingStatus).isEqualTo(PricingStatus.NO_USAGE);
    assertThat(row.costNanos).isNull();
  }

  @Test
  void refusesToPriceCachedTokensThatExceedTheInput() {
    Invocation row = usage("gpt-4o", 100, 200, 0, 0, 10);

    pricer.price(row);

    assertThat(row.pricingStatus).isEqualTo(PricingStatus.INVALID_USAGE);
    assertThat(row.costNanos).isNull();
  }

  @Test
  void marksAbsurdCountsInvalidInsteadOfOverflowingTheCost() {
    // An upstream reporting 1e20 tokens arrives as Long.MAX_VALUE; pricing it must not throw.
    Invocation row = usage("claude-opus-4-1", Long.MAX_VALUE, 0, 0, 0, Long.MAX_VALUE);

    pricer.price(row);

    assertThat(row.pricingStatus).isEqualTo(PricingStatus.INVALID_USAGE);
    assertThat(row.costNanos).isNull();
  }

  @Test
  void pricesEveryModelTheCatalogPromises() {
    for (String model : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini",
        "claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash"}) {
      Invocation row = usage(model, 1_000, 0, 0, 0, 1_000);
      pricer.price(row);
      assertThat(row.pricingStatus).as(model).isEqualTo(PricingStatus.PRICED);
      assertThat(row.costNanos).as(model).isPositive();
    }
  }

  @Test
  void pricesGpt4oAtTodaysListPriceWithCachedInputOnce() {
    // 8,000 input of which 2,000 cached, 1,000 output; $2.50 / $1.25 / $10.00 per 1M.
    Invocation row = usage("gpt-4o-2024-08-06", 8_000, 2_000, 0, 0, 1_000);

    pricer.price(row);

    assertThat(row.costNanos).isEqualTo(6_000L * 2_500 + 2_000L * 1_250 + 1_000L * 10_000);
    assertThat(row.priceRef).isEqualTo("gpt-4o@2024-10-02");
  }

  @Test
  void pricesGpt41() {
    // $2.00 in, $0.50 cached, $8.00 out per 1M.
    Invocation row = usage("gpt-4.1", 50_000, 10_000, 0, 0, 2_000);

    pricer.price(row);

    assertThat(row.costNanos).isEqualTo(40_000L * 2_000 + 10_000L * 500 + 2_000L * 8_000);
  }

  @Test
  void chargesReasoningTokensOnceAsOutputForO3AndO4Mini() {
    // Reasoning tokens are part of output_tokens: 3,000 output of which 2,500 reasoning.
    Invocation o3 = usage("o3", 4_000, 1_000, 0, 0, 3_000);
    o3.reasoningTokens = 2_500;
    Invocation o4mini = usage("o4-mini-2025-04-16", 4_000, 1_000, 0, 0, 3_000);
    o4mini.reasoningTokens = 2_500;

    pricer.price(o3);
    pricer.price(o4mini);

    // o3 after the 2025-06-10 cut: $2.00 / $0.50 / $8.00; o4-mini: $1.10 / $0.275 / $4.40.
    assertThat(o3.costNanos).isEqualTo(3_000L * 2_000 + 1_000L * 500 + 3_000L * 8_000);
    assertThat(o4mini.costNanos).isEqualTo(3_000L * 1_100 + 1_000L * 275 + 3_000L * 4_400);
  }

  @Test
  void pricesClaudeOpusWithBothCacheWriteDurations() {
    // 30,000 input: 10,000 read, 6,000 written of which 2,000 for 1 h, 14,000 plain; 2,000 output.
    Invocation row = usage("claude-opus-4-1-20250805", 30_000, 10_000, 6_000, 2_000, 2_000);

    pricer.price(row);

    // $15 in, $1.50 read, $18.75 5m write, $30 1h write, $75 out.
    assertThat(row.costNanos).isEqualTo(14_000L * 15_000 + 10_000L * 1_500 + 4_000L * 18_750
        + 2_000L * 30_000 + 2_000L * 75_000);
    assertThat(row.priceRef).isEqualTo("claude-opus-4-1@2025-08-05");
  }
}
