package dev.tollgate.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Decoding in the attribute operator: rows from valid records, dead letters for the rest. */
class AttributeFunctionDecodeHarnessTest {

  private KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness;

  @BeforeEach
  void open() throws Exception {
    harness = AttributeHarness.open("default");
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private void process(byte[] record) throws Exception {
    harness.processElement(record, 0);
  }

  private List<DeadLetter> deadLetters() {
    var queue = harness.getSideOutput(AttributeFunction.DEAD_LETTERS);
    return queue == null ? List.of() : queue.stream().map(StreamRecord::getValue).toList();
  }

  private List<String> emittedIds() {
    return harness.extractOutputValues().stream().map(r -> r.eventId).toList();
  }

  @Test
  void flattensAValidEventIntoARow() throws Exception {
    process(TestEvents.record(TestEvents.event("e-1", "gpt-4o-mini")
        .setTeam("search")
        .setRequestModel(null)
        .setTags(Map.of("b", "2", "a", "1"))));

    Invocation row = harness.extractOutputValues().get(0);
    assertThat(row.eventId).isEqualTo("e-1");
    assertThat(row.team).isEqualTo("search");
    assertThat(row.model()).isEqualTo("gpt-4o-mini");
    assertThat(row.tagKeys).containsExactly("a", "b");
    assertThat(row.tagValues).containsExactly("1", "2");
    assertThat(row.errorType).isEmpty();
    assertThat(deadLetters()).isEmpty();
  }

  @Test
  void sendsAGarbageRecordToTheDeadLetterOutputWithTheReason() throws Exception {
    byte[] garbage = "not an event".getBytes(StandardCharsets.UTF_8);

    process(garbage);

    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(AttributeHarness.keyedStateEntries(harness)).isZero();
    assertThat(deadLetters()).singleElement().satisfies(letter -> {
      assertThat(letter.payload).isEqualTo(garbage);
      assertThat(letter.reason).startsWith("not an Avro single-object record");
    });
  }

  @Test
  void deadLettersATruncatedRecordAndAnEmptyOne() throws Exception {
    byte[] valid = TestEvents.record("e-1", "gpt-4o");
    byte[] truncated = Arrays.copyOf(valid, valid.length / 2);

    process(truncated);
    process(new byte[0]);
    process(valid);

    assertThat(emittedIds()).containsExactly("e-1");
    assertThat(deadLetters()).hasSize(2);
    assertThat(deadLetters().get(0).reason).startsWith("corrupt InvocationEvent record");
    assertThat(AttributeHarness.keyedStateEntries(harness)).as("only the valid event's id").isEqualTo(1);
  }

  @Test
  void deadLettersAnEventWithoutAnId() throws Exception {
    process(TestEvents.record(" ", "gpt-4o"));
    process(TestEvents.record("", "gpt-4o"));

    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(deadLetters()).extracting(l -> l.reason).containsExactly("missing event_id", "missing event_id");
    assertThat(AttributeHarness.keyedStateEntries(harness)).isZero();
  }

  @Test
  void aRecordThatFailsToDecodeIsNotRememberedSoAValidOneWithItsIdStillPasses() throws Exception {
    byte[] valid = TestEvents.record("e-1", "gpt-4o");
    // Cut inside the body: the id still reads (it comes first), the rest does not.
    byte[] truncated = Arrays.copyOf(valid, valid.length - 8);
    assertThat(InvocationEventCodec.eventId(truncated)).isEqualTo("e-1");

    process(truncated);
    process(TestEvents.record(TestEvents.event("e-1", "gpt-4o").setReceivedAtUs(0)));
    process(valid);

    assertThat(deadLetters()).extracting(l -> l.reason)
        .satisfiesExactly(
            reason -> assertThat(reason).startsWith("corrupt InvocationEvent record"),
            reason -> assertThat(reason).startsWith("received_at_us: 0"));
    assertThat(emittedIds()).containsExactly("e-1");
  }

  @Test
  void aDuplicateIsDroppedWhateverFollowsItsId() throws Exception {
    byte[] valid = TestEvents.record("e-1", "gpt-4o");
    process(valid);

    process(valid);
    process(Arrays.copyOf(valid, valid.length - 8));

    assertThat(emittedIds()).containsExactly("e-1");
    assertThat(deadLetters()).as("already counted: not decoded again").isEmpty();
  }
}
