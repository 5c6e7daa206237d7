package dev.tollgate.job.kafka;

import dev.tollgate.job.row.TableUpdate;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a compacted topic's records as {@link TableUpdate}s: UTF-8 key and value, a null value kept
 * as a tombstone. A record without a key cannot address an entry and is skipped.
 *
 * <p>Stateless and thread-safe.
 */
public final class TableUpdateDeserializer implements KafkaRecordDeserializationSchema<TableUpdate> {

  private static final long serialVersionUID = 1L;

  /** Flink type of the updates. */
  public static final TypeInformation<TableUpdate> TYPE = Types.POJO(TableUpdate.class);

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<TableUpdate> out) {
    if (record.key() == null || record.key().length == 0) {
      return;
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    String value = record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
    out.collect(new TableUpdate(key, value));
  }

  @Override
  public TypeInformation<TableUpdate> getProducedType() {
    return TYPE;
  }
}
