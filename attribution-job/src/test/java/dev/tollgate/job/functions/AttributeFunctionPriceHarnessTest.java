package dev.tollgate.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.pricing.PricingStatus;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pricing in the attribute operator: price overrides through broadcast state. */
class AttributeFunctionPriceHarnessTest {

  /** TestEvents rows: 100 input, 20 output tokens. gpt-4o-mini list price: $0.15/M in, $0.60/M out. */
  private static final long BUNDLED_COST = 100 * 150 + 20 * 600;
  /** The override below: $1.00/M in, $2.00/M out from 2025-01-01. */
  private static final long OVERRIDE_COST = 100 * 1_000 + 20 * 2_000;
  private static final String OVERRIDE = """
      {"prices": [{"valid_from": "2024-07-18", "input": 0.15, "output": 0.60},
                  {"valid_from": "2025-01-01", "input": "1.00", "output": 2.00}]}""";

  private KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness;
  private int sent;

  @BeforeEach
  void open() throws Exception {
    harness = AttributeHarness.open("default");
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  /** A new event (a new id: a repeated one would be dropped as a duplicate) by {@code model}. */
  private Invocation send(String model) throws Exception {
    return AttributeHarness.send(harness, TestEvents.record("e-" + sent++, model));
  }

  private void update(String model, String json) throws Exception {
    harness.processBroadcastElement(new TableUpdate(TableUpdate.PRICES, model, json), 0);
  }

  @Test
  void appliesAPriceUpdateToEveryEventAfterIt() throws Exception {
    Invocation before = send("gpt-4o-mini-2024-07-18");
    update("gpt-4o-mini", OVERRIDE);
    Invocation after = send("gpt-4o-mini-2024-07-18");

    assertThat(before.costNanos).isEqualTo(BUNDLED_COST);
    assertThat(after.costNanos).isEqualTo(OVERRIDE_COST);
    assertThat(after.priceRef).isEqualTo("gpt-4o-mini@2025-01-01");
  }

  @Test
  void addsAModelTheBundledCatalogDoesNotPrice() throws Exception {
    Invocation before = send("acme-llm-1");
    update("acme-llm-1", """
        {"aliases": ["acme-llm"], "prices": [{"valid_from": "2025-01-01", "input": 3, "output": 9}]}""");
    Invocation byAlias = send("acme-llm");

    assertThat(before.pricingStatus).isEqualTo(PricingStatus.UNPRICED);
    assertThat(before.costNanos).isNull();
    assertThat(byAlias.pricingStatus).isEqualTo(PricingStatus.PRICED);
    assertThat(byAlias.costNanos).isEqualTo(100 * 3_000 + 20 * 9_000);
  }

  @Test
  void aTombstoneRevertsToTheBundledPriceAndLeavesNoState() throws Exception {
    update("gpt-4o-mini", OVERRIDE);
    update("acme-llm-1", "{\"prices\": [{\"valid_from\": \"2025-01-01\", \"input\": 3, \"output\": 9}]}");
    update("gpt-4o-mini", null);
    update("acme-llm-1", null);

    assertThat(send("gpt-4o-mini").costNanos).isEqualTo(BUNDLED_COST);
    assertThat(send("acme-llm-1").pricingStatus).isEqualTo(PricingStatus.UNPRICED);
    assertThat(harness.getBroadcastState(AttributeFunction.PRICE_OVERRIDES).entries()).isEmpty();
  }

  @Test
  void anInvalidUpdateIsRejectedAndKeepsThePreviousPrices() throws Exception {
    update("gpt-4o-mini", OVERRIDE);
    update("gpt-4o-mini", "{\"prices\": [{\"valid_from\": \"2025-02-01\", \"input\": 9}]}");
    update("gpt-4o-mini", "{\"prices\": [{\"valid_from\": \"2025-02-01\", \"input\": -1, \"output\": 1}]}");
    update("gpt-4o-mini", "not json");
    // An alias that already names another model would make lookups ambiguous.
    update("acme-llm-1", "{\"aliases\": [\"gpt-4o\"], \"prices\": [{\"valid_from\": \"2025-01-01\", \"input\": 3, \"output\": 9}]}");

    assertThat(send("gpt-4o-mini").costNanos).isEqualTo(OVERRIDE_COST);
    assertThat(send("gpt-4o").priceRef).startsWith("gpt-4o@");
    assertThat(harness.getBroadcastState(AttributeFunction.PRICE_OVERRIDES).entries())
        .extracting(Map.Entry::getKey).containsExactly("gpt-4o-mini");
  }

  @Test
  void priceUpdatesLeaveTheDirectoryAlone() throws Exception {
    update("gpt-4o-mini", OVERRIDE);

    assertThat(harness.getBroadcastState(AttributeFunction.DIRECTORY).entries()).isEmpty();
  }

  @Test
  void overridesSurviveARestoreFromACheckpoint() throws Exception {
    update("gpt-4o-mini", OVERRIDE);
    OperatorSubtaskState snapshot = harness.snapshot(1L, 0L);

    var restored = AttributeHarness.restore(snapshot, 0L);
    try {
      assertThat(AttributeHarness.send(restored, TestEvents.record("e", "gpt-4o-mini")).costNanos)
          .isEqualTo(OVERRIDE_COST);
    } finally {
      restored.close();
    }
  }

  @Test
  void anUpdateOfNoKnownTableFailsLoudly() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> harness.processBroadcastElement(new TableUpdate("gpt-4o-mini", OVERRIDE), 0))
        .hasMessageContaining("unknown table");
  }
}
