package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The events an edge published to one single-partition topic, read with a plain consumer and
 * grouped by the {@code X-Tollgate-User} of the call, so each test finds its own calls' events.
 * Raw record values are kept too, for tests that search the bytes.
 *
 * <p>Thread-safe (synchronized).
 */
final class RecordedEvents implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, List<InvocationEvent>> byUser = new HashMap<>();
  private final List<byte[]> rawValues = new ArrayList<>();

  RecordedEvents(String bootstrapServers, String topic) {
    consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.assign(List.of(new TopicPartition(topic, 0)));
  }

  /** The events of the calls made as {@code user}, after waiting until {@code count} arrived (and a little more, to catch duplicates). */
  synchronized List<InvocationEvent> await(String user, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (byUser.getOrDefault(user, List.of()).size() < count && System.nanoTime() < deadline) {
      poll(Duration.ofMillis(200));
    }
    poll(Duration.ofMillis(200));
    return List.copyOf(byUser.getOrDefault(user, List.of()));
  }

  /** The single event of the call made as {@code user}. */
  InvocationEvent single(String user) {
    List<InvocationEvent> events = await(user, 1);
    assertThat(events).as("events of user %s", user).hasSize(1);
    return events.get(0);
  }

  /** Every record value read so far, as published. */
  synchronized List<byte[]> rawValues() {
    poll(Duration.ofMillis(200));
    return List.copyOf(rawValues);
  }

  private void poll(Duration wait) {
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
      rawValues.add(record.value());
      InvocationEvent event = InvocationEventCodec.decode(record.value());
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(event.getEventId());
      String user = event.getUser() == null ? "" : event.getUser();
      byUser.computeIfAbsent(user, u -> new ArrayList<>()).add(event);
    }
  }

  @Override
  public synchronized void close() {
    consumer.close();
  }
}
