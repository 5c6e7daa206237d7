package dev.tollgate.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.workflow.EventIdKey;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
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
    harness = new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new DedupFunction(TTL)), EventIdKey.INSTANCE, Types.STRING);
    harness.setStateTtlProcessingTime(0);
    harness.open();
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
    // Incremental cleanup runs as records flow: a new id sweeps the expired ones.
    send("d");

    assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
    assertThat(harness.numProcessingTimeTimers()).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
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
