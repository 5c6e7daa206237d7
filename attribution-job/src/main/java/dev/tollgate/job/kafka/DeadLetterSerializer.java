package dev.tollgate.job.kafka;

import dev.tollgate.job.row.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a dead letter to the dead-letter topic: the original bytes as the value and the reason
 * in the {@value #REASON_HEADER} header (UTF-8), so the record can be inspected and replayed.
 *
 * <p>Stateless and thread-safe.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

  private static final long serialVersionUID = 1L;

  /** Header carrying why the record was rejected. */
  public static final String REASON_HEADER = "tollgate.dlq.reason";

  private final String topic;

  public DeadLetterSerializer(String topic) {
    this.topic = Objects.requireNonNull(topic, "topic");
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, timestamp, null, letter.payload);
    record.headers().add(REASON_HEADER, letter.reason.getBytes(StandardCharsets.UTF_8));
    return record;
  }
}
