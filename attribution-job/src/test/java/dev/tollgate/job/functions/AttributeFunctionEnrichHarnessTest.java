package dev.tollgate.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.identity.DirectoryEntry;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Identity in the attribute operator: precedence and directory updates through broadcast state. */
class AttributeFunctionEnrichHarnessTest {

  private static final String KEY = "fp-1";
  private static final String ACME_SEARCH =
      "{\"tenant\": \"acme\", \"team\": \"search\", \"user\": \"svc-indexer\", \"service\": \"indexer\", \"cost_center\": \"cc-42\"}";

  private KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness;

  @BeforeEach
  void open() throws Exception {
    harness = AttributeHarness.open("default");
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private Invocation send(String eventId) throws Exception {
    return AttributeHarness.send(harness, TestEvents.record(TestEvents.event(eventId, "gpt-4o-mini")
        .setKeyFingerprint(KEY)));
  }

  private void update(String key, String json) throws Exception {
    harness.processBroadcastElement(new TableUpdate(TableUpdate.DIRECTORY, key, json), 0);
  }

  @Test
  void appliesADirectoryUpdateToEveryEventAfterIt() throws Exception {
    Invocation before = send("before");
    update(KEY, ACME_SEARCH);
    Invocation after = send("after");

    assertThat(before.team).isEmpty();
    assertThat(before.tenant).isEqualTo("default");
    assertThat(List.of(after.tenant, after.team, after.user, after.service, after.costCenter))
        .containsExactly("acme", "search", "svc-indexer", "indexer", "cc-42");
  }

  @Test
  void aLaterUpdateOfTheSameKeyReplacesTheEntry() throws Exception {
    update(KEY, ACME_SEARCH);
    update(KEY, "{\"team\": \"ads\"}");

    Invocation row = send("e");

    assertThat(row.team).isEqualTo("ads");
    assertThat(row.tenant).as("the new entry names no tenant").isEqualTo("default");
    assertThat(row.costCenter).isEmpty();
  }

  @Test
  void explicitHeadersWinOverTheDirectoryAndTheDirectoryOverDefaults() throws Exception {
    update(KEY, ACME_SEARCH);
    byte[] record = TestEvents.record(TestEvents.event("e", "gpt-4o-mini")
        .setKeyFingerprint(KEY)
        .setTenant("beta")
        .setTeam("checkout"));

    Invocation enriched = AttributeHarness.send(harness, record);

    assertThat(enriched.tenant).as("X-Tollgate-Tenant").isEqualTo("beta");
    assertThat(enriched.team).as("X-Tollgate-Team").isEqualTo("checkout");
    assertThat(enriched.user).as("directory").isEqualTo("svc-indexer");
    assertThat(enriched.costCenter).as("directory").isEqualTo("cc-42");
  }

  @Test
  void theEdgesDefaultTenantIsNotExplicit() throws Exception {
    harness.close();
    harness = AttributeHarness.open("public");
    update(KEY, ACME_SEARCH);

    byte[] fromDirectory = TestEvents.record(TestEvents.event("a", "gpt-4o-mini")
        .setTenant("public")
        .setKeyFingerprint(KEY));
    byte[] unknownKey = TestEvents.record(TestEvents.event("b", "gpt-4o-mini")
        .setTenant("public")
        .setKeyFingerprint("fp-unknown"));
    byte[] noTenant = TestEvents.record(TestEvents.event("c", "gpt-4o-mini").setTenant(""));

    assertThat(AttributeHarness.send(harness, fromDirectory).tenant).isEqualTo("acme");
    assertThat(AttributeHarness.send(harness, unknownKey).tenant).isEqualTo("public");
    assertThat(AttributeHarness.send(harness, noTenant).tenant).isEqualTo("public");
  }

  @Test
  void aTombstoneDeletesTheEntryAndLeavesNoState() throws Exception {
    update(KEY, ACME_SEARCH);
    update("fp-2", "{\"team\": \"ads\"}");
    update(KEY, null);
    update("fp-2", null);

    Invocation row = send("e");

    assertThat(row.team).isEmpty();
    assertThat(row.tenant).isEqualTo("default");
    assertThat(harness.getBroadcastState(AttributeFunction.DIRECTORY).entries()).isEmpty();
  }

  @Test
  void anInvalidUpdateIsRejectedAndKeepsThePreviousEntry() throws Exception {
    update(KEY, ACME_SEARCH);
    update(KEY, "{\"team\": \"ads\", \"costcentre\": \"typo\"}");
    update(KEY, "not json");
    update("fp-2", "[1, 2]");

    assertThat(send("e").team).isEqualTo("search");
    assertThat(harness.getBroadcastState(AttributeFunction.DIRECTORY).entries())
        .extracting(Map.Entry::getKey).containsExactly(KEY);
  }

  @Test
  void directoryUpdatesLeaveThePriceOverridesAlone() throws Exception {
    update(KEY, ACME_SEARCH);

    assertThat(harness.getBroadcastState(AttributeFunction.PRICE_OVERRIDES).entries()).isEmpty();
  }

  @Test
  void theDirectorySurvivesARestoreFromACheckpoint() throws Exception {
    update(KEY, ACME_SEARCH);
    OperatorSubtaskState snapshot = harness.snapshot(1L, 0L);

    var restored = AttributeHarness.restore(snapshot, 0L);
    try {
      byte[] record = TestEvents.record(TestEvents.event("e", "gpt-4o-mini").setKeyFingerprint(KEY));

      assertThat(AttributeHarness.send(restored, record).team).isEqualTo("search");
      assertThat(restored.getBroadcastState(AttributeFunction.DIRECTORY).get(KEY))
          .isEqualTo(new DirectoryEntry("acme", "search", "svc-indexer", "indexer", "cc-42"));
    } finally {
      restored.close();
    }
  }
}
