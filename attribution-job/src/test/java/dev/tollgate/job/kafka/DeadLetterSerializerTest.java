package dev.tollgate.job.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.row.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class DeadLetterSerializerTest {

  @Test
  void keepsTheOriginalBytesAndPutsTheReasonInAHeader() {
    byte[] payload = {1, 2, 3};

    ProducerRecord<byte[], byte[]> record =
        new DeadLetterSerializer("dlq").serialize(new DeadLetter(payload, "bad header"), null, 42L);

    assertThat(record.topic()).isEqualTo("dlq");
    assertThat(record.value()).isEqualTo(payload);
    assertThat(record.timestamp()).isEqualTo(42L);
    assertThat(new String(record.headers().lastHeader(DeadLetterSerializer.REASON_HEADER).value(),
        StandardCharsets.UTF_8)).isEqualTo("bad header");
  }
}
