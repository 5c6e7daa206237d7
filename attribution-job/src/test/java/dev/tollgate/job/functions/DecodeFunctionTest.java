package dev.tollgate.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DecodeFunctionTest {

  private OneInputStreamOperatorTestHarness<byte[], Invocation> harness;

  @BeforeEach
  void open() throws Exception {
    harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new DecodeFunction()));
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  private List<DeadLetter> deadLetters() {
    var queue = harness.getSideOutput(DecodeFunction.DEAD_LETTERS);
    return queue == null ? List.of() : queue.stream().map(StreamRecord::getValue).toList();
  }

  @Test
  void flattensAValidEventIntoARow() throws Exception {
    byte[] bytes = InvocationEventCodec.encode(TestEvents.event("e-1", "gpt-4o-mini")
        .setTeam("search")
        .setRequestModel(null)
        .setTags(Map.of("b", "2", "a", "1"))
        .build());

    harness.processElement(new StreamRecord<>(bytes));

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

    harness.processElement(new StreamRecord<>(garbage));

    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(deadLetters()).singleElement().satisfies(letter -> {
      assertThat(letter.payload).isEqualTo(garbage);
      assertThat(letter.reason).startsWith("not an Avro single-object record");
    });
  }

  @Test
  void deadLettersATruncatedRecordAndAnEmptyOne() throws Exception {
    byte[] valid = InvocationEventCodec.encode(TestEvents.event("e-1", "gpt-4o").build());
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length / 2);

    harness.processElement(new StreamRecord<>(truncated));
    harness.processElement(new StreamRecord<>(new byte[0]));
    harness.processElement(new StreamRecord<>(valid));

    assertThat(harness.extractOutputValues()).extracting(r -> r.eventId).containsExactly("e-1");
    assertThat(deadLetters()).hasSize(2);
    assertThat(deadLetters().get(0).reason).startsWith("corrupt InvocationEvent record");
  }

  @Test
  void deadLettersAnEventWithoutAnId() throws Exception {
    byte[] bytes = InvocationEventCodec.encode(TestEvents.event(" ", "gpt-4o").build());

    harness.processElement(new StreamRecord<>(bytes));

    assertThat(harness.extractOutputValues()).isEmpty();
    assertThat(deadLetters()).singleElement().extracting(l -> l.reason).isEqualTo("missing event_id");
  }
}
