package dev.tollgate.job.kafka;

import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Passes Kafka record values through as bytes; decoding happens in the job, where a bad record can
 * be dead-lettered instead of failing the source. A null value becomes an empty array.
 *
 * <p>Stateless and thread-safe.
 */
public final class RawValueDeserializer implements KafkaRecordDeserializationSchema<byte[]> {

  private static final long serialVersionUID = 1L;
  private static final byte[] EMPTY = new byte[0];

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<byte[]> out) {
    out.collect(record.value() == null ? EMPTY : record.value());
  }

  @Override
  public TypeInformation<byte[]> getProducedType() {
    return PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
  }
}
