package dev.tollgate.job.functions;

import static dev.tollgate.job.functions.AttributeHarness.TTL;
import static dev.tollgate.job.functions.AttributeHarness.keyedStateEntries;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import dev.tollgate.job.workflow.EdgeIds;
import dev.tollgate.job.workflow.EventIdKey;
import java.util.ArrayDeque;
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
    harness.setProcessingTime(0);
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
    harness.setProcessingTime(TTL.toMillis() - 1);
    send("a");
    send("b");

    assertThat(emittedIds()).containsExactly("a", "b");
    assertThat(keyedStateEntries(harness)).isEqualTo(2);
  }

  @Test
  void passesAnEventIdAgainOnceTheTtlHasExpired() throws Exception {
    send("a");
    harness.setProcessingTime(TTL.toMillis() + 1);
    send("a");

    assertThat(emittedIds()).containsExactly("a", "a");
  }

  @Test
  void aLaneIsRememberedForTheTtlAfterItsLastNewId() throws Exception {
    List<String> ids = EdgeIds.of(0x2222_3333_4444_5555L, 0, 2 * EventIdKey.LANES);
    String first = ids.get(9);
    String second = ids.get(EventIdKey.LANES + 9); // the same lane, half a TTL later
    send(first);
    harness.setProcessingTime(TTL.toMillis() / 2);
    send(second);

    harness.setProcessingTime(TTL.toMillis() + 1); // the lane's first timer fires, and looks again later
    send(first);
    assertThat(emittedIds()).as("still remembered").containsExactly(first, second);
    assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

    harness.setProcessingTime(TTL.toMillis() / 2 + TTL.toMillis());
    assertThat(keyedStateEntries(harness)).as("forgotten a TTL after the last new id").isZero();
    send(first);
    assertThat(emittedIds()).containsExactly(first, second, first);
  }

  @Test
  void aDuplicateIsNeitherEnrichedNorPricedAgain() throws Exception {
    send("a");
    send("a");

    assertThat(harness.extractOutputValues()).singleElement()
        .satisfies(row -> assertThat(row.costNanos).isNotNull());
  }

  @Test
  void leavesNoStateOrTimersForExpiredEventIds() throws Exception {
    send("a");
    send("b");
    send("c");
    assertThat(keyedStateEntries(harness)).isEqualTo(3);
    assertThat(harness.numProcessingTimeTimers()).as("one per lane").isEqualTo(3);
    harness.setProcessingTime(TTL.toMillis() + 1);
    assertThat(keyedStateEntries(harness)).as("cleared when their timers fire").isZero();
    assertThat(harness.numProcessingTimeTimers()).isZero();
    send("d");

    // A restored job holds only "d", and its timer.
    OperatorSubtaskState snapshot = harness.snapshot(1L, TTL.toMillis() + 1);
    var restored = AttributeHarness.restore(snapshot, TTL.toMillis() + 1);
    try {
      assertThat(keyedStateEntries(restored)).isEqualTo(1);
      assertThat(restored.numProcessingTimeTimers()).isEqualTo(1);
      assertThat(restored.numEventTimeTimers()).isZero();
    } finally {
      restored.close();
    }
  }

  @Test
  void anExpiredLaneWhoseTimerIsStillDueStartsOver() throws Exception {
    send("a");
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);

    // Restored after the TTL: the lane's timer is due but has not fired yet.
    var restored = AttributeHarness.restore(snapshot, TTL.toMillis() + 10);
    try {
      AttributeHarness.send(restored, TestEvents.record("a", "gpt-4o"));
      assertThat(restored.extractOutputValues()).as("expired: passes again").hasSize(1);

      restored.setProcessingTime(TTL.toMillis() + 20); // the old timer fires, finds the new sighting
      AttributeHarness.send(restored, TestEvents.record("a", "gpt-4o"));
      assertThat(restored.extractOutputValues()).as("remembered again").hasSize(1);
      assertThat(keyedStateEntries(restored)).isEqualTo(1);
      assertThat(restored.numProcessingTimeTimers()).isEqualTo(1);
    } finally {
      restored.close();
    }
  }

  @Test
  void rocksDbClearsExpiredEventIdsToo() throws Exception {
    var rocks = AttributeHarness.openOnRocksDb();
    try {
      rocks.setProcessingTime(0);
      for (String id : List.of("a", "b", "c")) {
        AttributeHarness.send(rocks, TestEvents.record(id, "gpt-4o"));
      }
      var backend = AttributeHarness.rocksDbBackend(rocks);
      assertThat(backend.getKeys(AttributeFunction.SEEN_STATE, VoidNamespace.INSTANCE).count()).isEqualTo(3);

      rocks.setProcessingTime(TTL.toMillis() + 1);
      AttributeHarness.send(rocks, TestEvents.record("d", "gpt-4o"));

      assertThat(backend.getKeys(AttributeFunction.SEEN_STATE, VoidNamespace.INSTANCE).toList())
          .as("expired ids are gone").containsExactly("~d");
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
  void remembersAnEdgeThreadsIdsInOneSmallEntryPerLaneWhateverTheirOrder() throws Exception {
    // Ids as an edge thread makes them, arriving as a job reads them from Kafka: partitions read
    // at different paces, so each lane sees its numbers out of order and with gaps for a while.
    List<String> ids = EdgeIds.of(0x0fed_cba9_8765_4321L, 1L << 40, 10_000);
    interleavedByPartition(ids, 8, new Random(3)).forEach(this::feed);
    assertThat(emittedIds()).hasSize(ids.size()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(keyedStateEntries(harness)).as("one entry per lane").isEqualTo(EventIdKey.LANES);

    // Every replay is a duplicate, in any order; the thread's next ids are new.
    interleavedByPartition(ids, 3, new Random(4)).forEach(this::feed);
    List<String> next = EdgeIds.of(0x0fed_cba9_8765_4321L, (1L << 40) + ids.size(), 1_000);
    next.forEach(this::feed);
    assertThat(emittedIds()).hasSize(ids.size() + next.size()).endsWith(next.toArray(String[]::new));
    assertThat(keyedStateEntries(harness)).isEqualTo(EventIdKey.LANES);
  }

  @Test
  void anIdMissingFromItsLaneIsNotTakenForSeen() throws Exception {
    List<String> ids = EdgeIds.of(0x1111_2222_3333_4444L, 0, 3 * EventIdKey.LANES);
    String missing = ids.get(EventIdKey.LANES + 7); // lane 7's second number
    for (String id : ids) {
      if (!id.equals(missing)) {
        send(id);
      }
    }
    send(missing);
    send(missing);

    assertThat(emittedIds()).hasSize(ids.size()).endsWith(missing);
  }

  @Test
  void aCheckpointKeepsALanesIdsAsTheyWereWhenItWasTaken() throws Exception {
    List<String> ids = EdgeIds.of(0x5555_6666_7777_8888L, 0, 2 * EventIdKey.LANES);
    String before = ids.get(3);
    String after = ids.get(EventIdKey.LANES + 3); // the same lane, the next number
    send(before);
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
    send(after);

    var restored = AttributeHarness.restore(snapshot, 1L);
    try {
      AttributeHarness.send(restored, TestEvents.record(before, "gpt-4o"));
      AttributeHarness.send(restored, TestEvents.record(after, "gpt-4o"));
      assertThat(restored.extractOutputValues()).extracting(row -> row.eventId)
          .as("the id added after the checkpoint is not in it").containsExactly(after);
    } finally {
      restored.close();
    }
  }

  /** As {@link #send}, without looking at the output. */
  private void feed(String eventId) {
    try {
      harness.processElement(TestEvents.record(eventId, "gpt-4o"), 0);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** {@code ids} spread over {@code partitions} by hash, read a random-sized batch at a time. */
  private static List<String> interleavedByPartition(List<String> ids, int partitions, Random random) {
    List<ArrayDeque<String>> queues = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      queues.add(new ArrayDeque<>());
    }
    ids.forEach(id -> queues.get(Math.floorMod(id.hashCode(), partitions)).add(id));
    List<String> arrival = new ArrayList<>(ids.size());
    while (arrival.size() < ids.size()) {
      ArrayDeque<String> queue = queues.get(random.nextInt(partitions));
      for (int n = random.nextInt(500); n > 0 && !queue.isEmpty(); n--) {
        arrival.add(queue.poll());
      }
    }
    return arrival;
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
  void restartsTheTtlWhenAnExpiredIdIsReadmitted() throws Exception {
    send("a");
    harness.setProcessingTime(TTL.toMillis() + 1);
    send("a");
    harness.setProcessingTime(TTL.toMillis() + 2);
    send("a");

    // The re-admitted sighting restarts the TTL: the third copy is a duplicate again.
    assertThat(emittedIds()).containsExactly("a", "a");
  }
}
