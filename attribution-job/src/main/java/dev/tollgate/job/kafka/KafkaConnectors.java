package dev.tollgate.job.kafka;

import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.TableUpdate;
import java.util.regex.Pattern;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Builds the job's Kafka source (invocation events) and dead-letter sink from its configuration.
 *
 * <p>Stateless; used on the client thread while the job graph is built.
 */
public final class KafkaConnectors {

  private KafkaConnectors() {}

  /**
   * The invocations source: raw record values, group {@value AttributionConfig#CONSUMER_GROUP},
   * starting from the group's committed offsets, else from the earliest record. Offsets are
   * committed when a checkpoint completes; the checkpointed positions are what a restore uses.
   */
  @SuppressWarnings("deprecation") // OffsetResetStrategy is the type the connector's API takes.
  public static KafkaSource<byte[]> invocationSource(AttributionConfig config) {
    return KafkaSource.<byte[]>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setTopics(config.invocationsTopic())
        .setGroupId(AttributionConfig.CONSUMER_GROUP)
        .setClientIdPrefix(AttributionConfig.CONSUMER_GROUP)
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(new RawValueDeserializer())
        // Discover partitions added to the topic while the job runs.
        .setProperty("partition.discovery.interval.ms", "60000")
        .build();
  }

  /** The directory: key fingerprint -> owner, from {@code kafka.topics.directory}. */
  public static KafkaSource<TableUpdate> directorySource(AttributionConfig config) {
    return tableSource(config, config.directoryTopic(), "-directory");
  }

  /** Price overrides: model -> catalog entry, from {@code kafka.topics.prices}. */
  public static KafkaSource<TableUpdate> pricesSource(AttributionConfig config) {
    return tableSource(config, config.pricesTopic(), "-prices");
  }

  /**
   * A compacted topic read as a table, from the earliest record on a fresh start (the whole table)
   * and from the checkpointed offsets on a restore (the broadcast state holds the rest). Subscribed
   * by a pattern matching exactly the topic, not by name: a job started before the topic exists
   * runs anyway and picks the topic up within the discovery interval once it is created.
   */
  private static KafkaSource<TableUpdate> tableSource(AttributionConfig config, String topic, String suffix) {
    return KafkaSource.<TableUpdate>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setTopicPattern(Pattern.compile(Pattern.quote(topic)))
        .setGroupId(AttributionConfig.CONSUMER_GROUP + suffix)
        .setClientIdPrefix(AttributionConfig.CONSUMER_GROUP + suffix)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new TableUpdateDeserializer())
        .setProperty("partition.discovery.interval.ms", "10000")
        .build();
  }

  /**
   * The dead-letter sink. At-least-once: a replay after a failure may write a dead letter twice,
   * which is harmless for records kept for inspection, and avoids transactions on this path.
   */
  public static KafkaSink<DeadLetter> deadLetterSink(AttributionConfig config) {
    return KafkaSink.<DeadLetter>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setRecordSerializer(new DeadLetterSerializer(config.deadLetterTopic()))
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }
}
