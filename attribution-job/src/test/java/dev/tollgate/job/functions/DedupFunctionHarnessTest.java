package dev.tollgate.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.workflow.EventIdKey;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DedupFunctionHarnessTest {

  private static final Duration TTL = Duration.ofHours(24);

  private KeyedOneInputStreamOperatorTestHarness<String, Invocation, Invocation> harness;

  @BeforeEach
  void open() throws Exception {
    harness = newHarness();
    harness.setStateTtlProcessingTime(0);
    harness.open();
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Invocation, Invocation> newHarness() throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new DedupFunction(TTL)), EventIdKey.INSTANCE, Types.STRING);
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private void send(String eventId) throws Exception {
    harness.processElement(new StreamRecord<>(TestEvents.row(eventId, "gpt-4o")));
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
    assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
  }

  @Test
  void passesAnEventIdAgainOnceTheTtlHasExpired() throws Exception {
    send("a");
    harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
    send("a");

    assertThat(emittedIds()).containsExactly("a", "a");
  }

  @Test
  void leavesNoStateForExpiredEventIds() throws Exception {
    send("a");
    send("b");
    send("c");
    assertThat(harness.numKeyedStateEntries()).isEqualTo(3);
    harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
    send("d");

    // Checkpoints drop expired ids (full-snapshot cleanup): a restored job holds only "d".
    OperatorSubtaskState snapshot = harness.snapshot(1L, TTL.toMillis() + 1);
    var restored = newHarness();
    try {
      restored.setStateTtlProcessingTime(TTL.toMillis() + 1);
      restored.initializeState(snapshot);
      restored.open();

      assertThat(restored.numKeyedStateEntries()).isEqualTo(1);
      assertThat(restored.numProcessingTimeTimers()).isZero();
      assertThat(restored.numEventTimeTimers()).isZero();
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
    for (int i = 0; i < 10; i++) {
      send("new-" + i);
    }

    // Incremental cleanup visits a few entries per record: the expired ids are gone by now.
    assertThat(harness.numKeyedStateEntries()).isEqualTo(10);
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
