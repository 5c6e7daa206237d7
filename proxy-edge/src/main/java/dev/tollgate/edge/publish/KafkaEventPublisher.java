package dev.tollgate.edge.publish;

import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.metrics.LogThrottle;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes events to Kafka, keyed by event id, value = Avro single-object encoding. Event loops
 * only {@code offer} to a bounded queue; one publisher thread encodes and sends, so a slow or
 * absent broker ({@code send} blocking on metadata up to {@code max.block.ms}) can only fill the
 * queue, never stall a client. A full queue drops the event and counts it.
 *
 * <p>Thread-safe: {@link #publish} from any thread; sending happens on the publisher thread.
 */
public final class KafkaEventPublisher implements EventPublisher {

  private static final Logger log = LoggerFactory.getLogger(KafkaEventPublisher.class);

  private final String topic;
  private final EdgeMetrics metrics;
  private final BlockingQueue<InvocationEvent> queue;
  private final Producer<byte[], byte[]> producer;
  private final Thread thread;
  private final LogThrottle dropLog = new LogThrottle(Duration.ofSeconds(10));
  private final LogThrottle failLog = new LogThrottle(Duration.ofSeconds(10));
  private volatile boolean closing;

  /** Starts the publisher thread; the producer connects lazily, so a broker that is down is fine. */
  public KafkaEventPublisher(String bootstrapServers, String topic, int queueCapacity, String clientId, EdgeMetrics metrics) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.producer = new KafkaProducer<>(producerConfig(bootstrapServers, clientId),
        new ByteArraySerializer(), new ByteArraySerializer());
    this.thread = new Thread(this::run, "tollgate-edge-publisher");
    thread.setDaemon(true);
    thread.start();
  }

  static Map<String, Object> producerConfig(String bootstrapServers, String clientId) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Only the publisher thread ever waits here; long enough to fetch metadata on the first send.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
    return config;
  }

  @Override
  public boolean publish(InvocationEvent event) {
    if (!closing && queue.offer(event)) {
      return true;
    }
    metrics.eventDropped();
    dropLog.maybeLog(suppressed -> log.warn("event dropped: publish queue full, suppressed={}", suppressed));
    return false;
  }

  private void run() {
    while (!closing || !queue.isEmpty()) {
      InvocationEvent event;
      try {
        event = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        break; // close() gave up waiting: what is left is dropped below
      }
      if (event != null) {
        send(event);
      }
    }
  }

  private void send(InvocationEvent event) {
    try {
      byte[] key = event.getEventId().toString().getBytes(StandardCharsets.UTF_8);
      byte[] value = InvocationEventCodec.encode(event);
      producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
        if (error == null) {
          metrics.eventPublished();
        } else {
          failed(error);
        }
      });
    } catch (RuntimeException e) {
      failed(e); // buffer full past max.block.ms, broker metadata unavailable, or a bad record
    }
  }

  private void failed(Exception error) {
    metrics.eventFailed();
    failLog.maybeLog(suppressed -> log.warn("event publish failed: topic={}, error={}, suppressed={}",
        topic, error.toString(), suppressed));
  }

  @Override
  public void close(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    closing = true;
    try {
      thread.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
    int left = queue.size();
    for (int i = 0; i < left; i++) {
      metrics.eventDropped();
    }
    queue.clear();
    if (left > 0) {
      log.warn("events dropped at shutdown: count={}", left);
    }
    producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
  }
}
