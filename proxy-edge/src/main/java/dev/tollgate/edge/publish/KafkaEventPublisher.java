package dev.tollgate.edge.publish;

import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.metrics.LogThrottle;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes events to Kafka, keyed by event id, value = Avro single-object encoding, and spools
 * to disk whatever Kafka cannot take, so no event is lost while the spool has room.
 *
 * <p>Event loops only {@code offer} to a bounded queue; one publisher thread encodes and either
 * sends (Kafka healthy) or appends to the {@link DiskSpool} (Kafka unhealthy). Kafka turns
 * unhealthy when a send fails or throws (no metadata within {@code max.block.ms}, buffer full), or
 * when sends stay unacknowledged for {@link #STALL_NANOS} (the broker went away while the producer
 * still buffers); it turns healthy again when the {@link SpoolReplayer} delivers a batch. A send
 * that fails after it was accepted (delivery timeout, forced close) is spooled from its callback,
 * so an event is always in exactly one place: the queue, the producer, the spool, or Kafka. When
 * the queue is full the caller appends to the spool itself (a page-cache write, the only disk
 * access an event loop can make, and only under overload). Events are dropped, counted and
 * warned about (rate-limited) only when the spool is full or absent.
 *
 * <p>Thread-safe: {@link #publish} from any thread; sending happens on the publisher thread,
 * callbacks on the producer's I/O thread, replay on the replayer thread.
 */
public final class KafkaEventPublisher implements EventPublisher {

  private static final Logger log = LoggerFactory.getLogger(KafkaEventPublisher.class);

  /** Sends unacknowledged this long mean the broker is gone; a healthy broker acks in milliseconds. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final int DRAIN_BATCH = 256;
  private static final long POLL_MILLIS = 20;

  private final String topic;
  private final EdgeMetrics metrics;
  private final BlockingQueue<InvocationEvent> queue;
  private final Producer<byte[], byte[]> producer;
  private final DiskSpool spool;
  private final SpoolReplayer replayer;
  private final Thread thread;
  private final AtomicInteger unacked = new AtomicInteger();
  private final LogThrottle dropLog = new LogThrottle(Duration.ofSeconds(10));
  private final LogThrottle failLog = new LogThrottle(Duration.ofSeconds(10));
  private volatile boolean healthy = true;
  private volatile long lastProgressNanos = System.nanoTime();
  private volatile boolean closing;

  /**
   * Starts the publisher (and, with a spool, the replayer) thread; the producer connects lazily,
   * so a broker that is down is fine. {@code spool} may be null: events Kafka cannot take are then
   * dropped. {@code producerOverrides} adjust the producer settings (tests shorten timeouts);
   * {@code replayRate} paces the spool's replay (records per second, 0: unpaced).
   */
  public KafkaEventPublisher(String bootstrapServers, String topic, int queueCapacity, String clientId,
                             DiskSpool spool, Map<String, Object> producerOverrides, EdgeMetrics metrics, int replayRate) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.spool = spool;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    Map<String, Object> config = producerConfig(bootstrapServers, clientId);
    config.putAll(producerOverrides);
    this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    if (spool != null) {
      metrics.spoolGauges(spool::bytes, spool::records, spool::corruptRecords);
      long deliveryTimeoutMs = ((Number) config.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)).longValue();
      this.replayer = new SpoolReplayer(spool, producer, topic, Duration.ofMillis(deliveryTimeoutMs + 5_000), this, metrics,
          replayRate);
    } else {
      this.replayer = null;
    }
    this.thread = new Thread(this::run, "tollgate-edge-publisher");
    thread.setDaemon(true);
    thread.start();
    if (replayer != null) {
      replayer.start();
    }
  }

  static Map<String, Object> producerConfig(String bootstrapServers, String clientId) {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // Each batch allocates its own LZ4 block buffers (~128 KiB) and wakes the producer's I/O
    // thread: fewer, fuller batches keep the garbage and the wake-ups beside the event loops down
    // (at 5k events/s, 5 ms and 16 KiB made most of the edge's allocation; at 1k events/s, 20 ms
    // still made 13% of it). Events are not fresher than the job's checkpoint interval anyway.
    config.put(ProducerConfig.LINGER_MS_CONFIG, 100);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    // Only the publisher and replayer threads ever wait here; long enough to fetch metadata.
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    // How long an accepted record may wait for a broker before its callback fails and it is spooled.
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000);
    return config;
  }

  @Override
  public boolean publish(InvocationEvent event) {
    if (!closing && queue.offer(event)) {
      return true;
    }
    return spoolOrDrop(key(event), InvocationEventCodec.encode(event), closing ? "shutting down" : "publish queue full");
  }

  private void run() {
    List<InvocationEvent> batch = new ArrayList<>(DRAIN_BATCH);
    while (!closing || !queue.isEmpty()) {
      checkStalled();
      if (queue.drainTo(batch, DRAIN_BATCH) == 0) {
        // Polled, not woken per event: an offer then never has a thread to unpark, so the event
        // loops make no extra system call and no extra context switch per call. The pause is a
        // fifth of the producer's linger. Each wake-up costs tens of microseconds of CPU on a
        // shared core (~45 µs measured on a 2-core VM); at 5 ms an idle edge spent ~9 ms of CPU a
        // second polling, at 20 ms ~3 ms.
        try {
          Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
          break;
        }
        continue;
      }
      for (InvocationEvent event : batch) {
        handle(event);
      }
      batch.clear();
    }
  }

  private void handle(InvocationEvent event) {
    byte[] key = key(event);
    byte[] value;
    try {
      value = InvocationEventCodec.encode(event);
    } catch (RuntimeException e) {
      metrics.eventDropped();
      failLog.maybeLog(s -> log.warn("event not encoded: error={}, suppressed={}", e.toString(), s));
      return;
    }
    if (healthy || spool == null) {
      send(key, value);
    } else {
      spoolOrDrop(key, value, "kafka unavailable");
    }
  }

  private void checkStalled() {
    if (healthy && spool != null && unacked.get() > 0 && System.nanoTime() - lastProgressNanos > STALL_NANOS) {
      unhealthy("sends unacknowledged for " + TimeUnit.NANOSECONDS.toMillis(STALL_NANOS) + " ms");
    }
  }

  private void send(byte[] key, byte[] value) {
    if (unacked.getAndIncrement() == 0) {
      lastProgressNanos = System.nanoTime();
    }
    try {
      producer.send(new ProducerRecord<>(topic, key, value), (metadata, error) -> {
        unacked.decrementAndGet();
        if (error == null) {
          lastProgressNanos = System.nanoTime();
          metrics.eventPublished();
        } else {
          onSendFailed(key, value, error);
        }
      });
    } catch (RuntimeException e) {
      unacked.decrementAndGet(); // no metadata within max.block.ms, buffer full, or closed
      onSendFailed(key, value, e);
    }
  }

  private void onSendFailed(byte[] key, byte[] value, Exception error) {
    if (error instanceof RecordTooLargeException) {
      metrics.eventDropped(); // no retry can ever deliver it
      failLog.maybeLog(s -> log.warn("event rejected by kafka: topic={}, error={}, suppressed={}", topic, error.toString(), s));
      return;
    }
    if (spool != null) {
      unhealthy(error.toString());
    } else {
      failLog.maybeLog(s -> log.warn("event publish failed: topic={}, error={}, suppressed={}", topic, error.toString(), s));
    }
    spoolOrDrop(key, value, "send failed");
  }

  private boolean spoolOrDrop(byte[] key, byte[] value, String reason) {
    if (spool != null && spool.append(key, value)) {
      metrics.eventSpooled();
      return true;
    }
    metrics.eventDropped();
    dropLog.maybeLog(s -> log.warn("event dropped: reason={}, spool={}, suppressed={}",
        reason, spool == null ? "none" : "full", s));
    return false;
  }

  private void unhealthy(String why) {
    if (healthy) {
      healthy = false;
      log.warn("kafka unavailable, spooling events: topic={}, reason={}", topic, why);
    }
  }

  /** The replayer delivered spooled records: live events go straight to Kafka again. */
  void kafkaDelivered() {
    lastProgressNanos = System.nanoTime();
    if (!healthy) {
      healthy = true;
      log.info("kafka available again, publishing directly: topic={}", topic);
    }
  }

  /** True while live events go straight to Kafka. */
  boolean healthy() {
    return healthy;
  }

  private static byte[] key(InvocationEvent event) {
    return event.getEventId().toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Drains the queue (to Kafka or the spool) within {@code timeout}, stops replay, closes the
   * producer (records it could not deliver in time are spooled by their callbacks) and closes the
   * spool, which keeps everything for the next start.
   */
  @Override
  public void close(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    closing = true;
    try {
      thread.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Not interrupted: an interrupt would close the spool's file channel under it. What it has
    // not taken yet is spooled here (the queue hands each event to one taker only).
    List<InvocationEvent> left = new ArrayList<>();
    queue.drainTo(left);
    for (InvocationEvent event : left) {
      spoolOrDrop(key(event), InvocationEventCodec.encode(event), "shutting down");
    }
    try {
      // The event it is handling may wait max.block.ms for metadata; it must land before the spool closes.
      thread.join(3_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (replayer != null) {
      replayer.stop();
    }
    producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    if (spool != null) {
      spool.close();
      if (spool.records() > 0) {
        log.info("spool kept for the next start: records={}, bytes={}", spool.records(), spool.bytes());
      }
    }
  }
}
