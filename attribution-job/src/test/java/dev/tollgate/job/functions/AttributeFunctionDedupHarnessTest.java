package dev.tollgate.job.functions;

import static dev.tollgate.job.functions.AttributeHarness.TTL;
import static dev.tollgate.job.functions.AttributeHarness.keyedStateEntries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Dedup by event id in the attribute operator: TTL, and no state left behind. */
class AttributeFunctionDedupHarnessTest {

  private KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness;

  @BeforeEach
  void open() throws Exception {
    harness = AttributeHarness.open("default");
    harness.setStateTtlProcessingTime(0);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private void send(String eventId) throws Exception {
    AttributeHarness.send(harness, TestEvents.record(eventId, "gpt-4o"));
  }

  private List<String> emittedIds() {
    return harness.extractOutputValues().stream().map(r -> r.eventId).toList();
  }

  @Test
  void dropsADuplicateEventIdWithinTheTtl() throws Exception {
    send("a");
    send("b");
    harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
    send("a");
    send("b");

    assertThat(emittedIds()).containsExactly("a", "b");
    assertThat(keyedStateEntries(harness)).isEqualTo(2);
  }

  @Test
  void passesAnEventIdAgainOnceTheTtlHasExpired() throws Exception {
    send("a");
    harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
    send("a");

    assertThat(emittedIds()).containsExactly("a", "a");
  }

  @Test
  void aDuplicateIsNeitherEnrichedNorPricedAgain() throws Exception {
    send("a");
    send("a");

    assertThat(harness.extractOutputValues()).singleElement()
        .satisfies(row -> assertThat(row.costNanos).isNotNull());
  }

  @Test
  void leavesNoStateForExpiredEventIds() throws Exception {
    send("a");
    send("b");
    send("c");
    assertThat(keyedStateEntries(harness)).isEqualTo(3);
    harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
    send("d");

    // Checkpoints drop expired ids (full-snapshot cleanup): a restored job holds only "d".
    OperatorSubtaskState snapshot = harness.snapshot(1L, TTL.toMillis() + 1);
    var restored = AttributeHarness.restore(snapshot, TTL.toMillis() + 1);
    try {
      assertThat(keyedStateEntries(restored)).isEqualTo(1);
      assertThat(restored.numProcessingTimeTimers()).isZero();
      assertThat(restored.numEventTimeTimers()).isZero();
    } finally {
      restored.close();
    }
  }

  @Test
  void rocksDbDropsExpiredEventIdsWhenItCompacts() throws Exception {
    var rocks = AttributeHarness.openOnRocksDb();
    try {
      rocks.setStateTtlProcessingTime(0);
      for (String id : List.of("a", "b", "c")) {
        AttributeHarness.send(rocks, TestEvents.record(id, "gpt-4o"));
      }
      var backend = AttributeHarness.rocksDbBackend(rocks);
      backend.compactState(AttributeHarness.SEEN);
      assertThat(backend.getKeys(AttributeFunction.SEEN_STATE, VoidNamespace.INSTANCE).count())
          .as("live ids survive a compaction").isEqualTo(3);

      rocks.setStateTtlProcessingTime(TTL.toMillis() + 1);
      AttributeHarness.send(rocks, TestEvents.record("d", "gpt-4o"));
      backend.compactState(AttributeHarness.SEEN);

      assertThat(backend.getKeys(AttributeFunction.SEEN_STATE, VoidNamespace.INSTANCE).toList())
          .as("the compaction filter drops expired ids").containsExactly("d");
    } finally {
      rocks.close();
    }
  }

  @Test
  void rocksDbWithTheJobsFiltersFindsEveryRememberedIdInMemoryAndInFiles() throws Exception {
    // The job's RocksDB answers most lookups from bloom filters (files and memtables). A filter
    // may say "maybe" for an id it never saw, never "no" for one it did: every id must be found
    // again, whether it is still in the memtable or was flushed and compacted into files.
    var rocks = AttributeHarness.openOnRocksDb();
    try {
      var random = new Random(7);
      List<String> inFiles = uuids(random, 5_000);
      for (String id : inFiles) {
        rocks.processElement(TestEvents.record(id, "gpt-4o"), 0);
      }
      AttributeHarness.rocksDbBackend(rocks).compactState(AttributeHarness.SEEN);
      List<String> inMemory = uuids(random, 5_000);
      for (String id : inMemory) {
        rocks.processElement(TestEvents.record(id, "gpt-4o"), 0);
      }
      int passed = rocks.extractOutputValues().size();
      assertThat(passed).isEqualTo(10_000);

      for (String id : inFiles) {
        rocks.processElement(TestEvents.record(id, "gpt-4o"), 0);
      }
      for (String id : inMemory) {
        rocks.processElement(TestEvents.record(id, "gpt-4o"), 0);
      }
      assertThat(rocks.extractOutputValues()).as("every replayed id is a duplicate").hasSize(passed);

      List<String> fresh = uuids(random, 5_000);
      for (String id : fresh) {
        rocks.processElement(TestEvents.record(id, "gpt-4o"), 0);
      }
      assertThat(rocks.extractOutputValues()).as("every new id passes").hasSize(passed + fresh.size());
    } finally {
      rocks.close();
    }
  }

  private static List<String> uuids(Random random, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
    }
    return ids;
  }

  @Test
  void remembersEventIdsAcrossARestoreFromACheckpoint() throws Exception {
    String uuid = UUID.randomUUID().toString();
    send(uuid);
    send("not-a-uuid");
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);

    var restored = AttributeHarness.restore(snapshot, 1L);
    try {
      AttributeHarness.send(restored, TestEvents.record(uuid, "gpt-4o"));
      AttributeHarness.send(restored, TestEvents.record("not-a-uuid", "gpt-4o"));
      AttributeHarness.send(restored, TestEvents.record("new", "gpt-4o"));

      assertThat(restored.extractOutputValues()).extracting(row -> row.eventId).containsExactly("new");
    } finally {
      restored.close();
    }
  }

  @Test
  void sweepsExpiredEventIdsWhileRecordsFlow() throws Exception {
    send("a");
    send("b");
    send("c");
    harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
    for (int i = 0; i < 20; i++) {
      send("new-" + i);
    }

    // Incremental cleanup visits nine state-table slots per record: one pass over this 128-slot
    // table (one key group) takes about 15 records, so the expired ids are gone by now.
    assertThat(keyedStateEntries(harness)).isEqualTo(20);
  }

  @Test
  void restartsTheTtlWhenAnExpiredIdIsReadmitted() throws Exception {
    send("a");
    harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
    send("a");
    harness.setStateTtlProcessingTime(TTL.toMillis() + 2);
    send("a");

    // The re-admitted sighting restarts the TTL: the third copy is a duplicate again.
    assertThat(emittedIds()).containsExactly("a", "a");
  }
}
