package dev.tollgate.edge.publish;

import dev.tollgate.edge.metrics.EdgeMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays the {@link DiskSpool} into Kafka, oldest segment first, in record order: sends a batch,
 * waits until Kafka acknowledged every record of it, records the position, and deletes a segment
 * only once every record in it was acknowledged. A failed batch is retried from its first record
 * after a backoff (so a record can be delivered twice; the attribution job drops duplicates by
 * event id). Replay is paced to {@code ratePerSecond} records (0: unpaced), so draining a backlog
 * after an outage does not take the cores live traffic needs. Also forces the active segment to
 * disk on the spool's sync interval.
 *
 * <p>Runs on its own thread; the idempotent producer keeps each batch in order per partition.
 */
final class SpoolReplayer {

  private static final Logger log = LoggerFactory.getLogger(SpoolReplayer.class);
  private static final int BATCH_RECORDS = 500;
  private static final long BATCH_BYTES = 1024 * 1024;
  private static final long IDLE_POLL_MS = 100;
  private static final long MIN_BACKOFF_MS = 250;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final DiskSpool spool;
  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final Duration batchTimeout;
  private final KafkaEventPublisher publisher;
  private final EdgeMetrics metrics;
  private final int ratePerSecond;
  private final int batchRecords;
  private final Thread thread;
  private volatile boolean stopping;
  private long backoffMs = MIN_BACKOFF_MS;
  private long pacedUntilNanos;

  SpoolReplayer(DiskSpool spool, Producer<byte[], byte[]> producer, String topic, Duration batchTimeout,
                KafkaEventPublisher publisher, EdgeMetrics metrics, int ratePerSecond) {
    if (ratePerSecond < 0) {
      throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: >= 0)");
    }
    this.spool = spool;
    this.ratePerSecond = ratePerSecond;
    // At most ~100 ms of the rate per batch, so the pause after a batch stays short.
    this.batchRecords = ratePerSecond == 0 ? BATCH_RECORDS : Math.max(1, Math.min(BATCH_RECORDS, ratePerSecond / 10));
    this.producer = producer;
    this.topic = topic;
    this.batchTimeout = batchTimeout;
    this.publisher = publisher;
    this.metrics = metrics;
    this.thread = new Thread(this::run, "tollgate-edge-spool-replayer");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Stops after the current batch (its records stay spooled unless acknowledged) and waits for the
   * thread. Never interrupts it: an interrupt closes any NIO file channel the thread is using,
   * including the spool's active segment.
   */
  void stop() {
    stopping = true;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (!stopping) {
      spool.syncIfDue();
      Path segment = spool.oldestSealed();
      if (segment == null && spool.hasActiveRecords()) {
        spool.roll(); // everything sealed was replayed: take what was spooled since
        segment = spool.oldestSealed();
      }
      if (segment == null) {
        pause(IDLE_POLL_MS);
        continue;
      }
      boolean ok;
      try {
        ok = replaySegment(segment);
      } catch (IOException e) {
        log.warn("spool segment unreadable: segment={}, error={}", segment.getFileName(), e.toString());
        ok = false;
      } catch (InterruptedException e) {
        break;
      }
      if (ok) {
        backoffMs = MIN_BACKOFF_MS;
      } else if (!stopping) {
        pause(backoffMs);
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
      }
    }
  }

  /** Replays one sealed segment from its saved position; true when it was delivered and deleted. */
  private boolean replaySegment(Path segment) throws IOException, InterruptedException {
    long position = spool.replayPosition(segment);
    try (DiskSpool.Reader reader = spool.reader(segment, position)) {
      while (!stopping) {
        List<DiskSpool.Entry> batch = new ArrayList<>(batchRecords);
        long bytes = 0;
        DiskSpool.Entry entry;
        while (batch.size() < batchRecords && bytes < BATCH_BYTES && (entry = reader.next()) != null) {
          batch.add(entry);
          bytes += entry.value().length;
        }
        if (batch.isEmpty()) {
          spool.delete(segment); // every readable record acknowledged (a corrupt tail was counted)
          return true;
        }
        if (!deliver(batch)) {
          return false;
        }
        spool.acknowledge(segment, reader.position(), batch.size());
        publisher.kafkaDelivered();
        pace(batch.size());
      }
      return false;
    }
  }

  /** Sends {@code batch} and waits for every acknowledgement; false when any record failed. */
  private boolean deliver(List<DiskSpool.Entry> batch) throws InterruptedException {
    CountDownLatch acked = new CountDownLatch(batch.size());
    AtomicInteger delivered = new AtomicInteger();
    AtomicReference<Exception> failure = new AtomicReference<>();
    for (int i = 0; i < batch.size(); i++) {
      DiskSpool.Entry entry = batch.get(i);
      try {
        producer.send(new ProducerRecord<>(topic, entry.key(), entry.value()), (metadata, error) -> {
          if (error == null) {
            delivered.incrementAndGet();
          } else if (error instanceof RecordTooLargeException) {
            metrics.eventDropped(); // can never be delivered: skipping it keeps the spool moving
          } else {
            failure.compareAndSet(null, error);
          }
          acked.countDown();
        });
      } catch (RuntimeException e) {
        // No metadata within max.block.ms (the broker is still away) or interrupted by stop():
        // the rest would only wait for the same broker, so they are not sent this time.
        failure.compareAndSet(null, e);
        for (int j = i; j < batch.size(); j++) {
          acked.countDown();
        }
        break;
      }
    }
    long deadline = System.nanoTime() + batchTimeout.toNanos();
    while (!acked.await(100, TimeUnit.MILLISECONDS)) {
      if (stopping || System.nanoTime() > deadline) {
        failure.compareAndSet(null, new IllegalStateException(stopping ? "stopping" : "no acknowledgement in " + batchTimeout));
        break;
      }
    }
    Exception error = failure.get();
    if (error != null) {
      log.debug("spool replay batch failed: records={}, delivered={}, error={}", batch.size(), delivered.get(), error.toString());
      return false;
    }
    metrics.eventsReplayed(delivered.get());
    return true;
  }

  /** Waits up to {@code millis}, returning early when stopping. */
  /** Waits until {@code records} more fit the replay rate. */
  private void pace(int records) {
    if (ratePerSecond == 0) {
      return;
    }
    long now = System.nanoTime();
    pacedUntilNanos = Math.max(pacedUntilNanos, now) + records * 1_000_000_000L / ratePerSecond;
    long waitMillis = TimeUnit.NANOSECONDS.toMillis(pacedUntilNanos - now);
    if (waitMillis > 0) {
      pause(waitMillis);
    }
  }

  private void pause(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    try {
      while (!stopping && System.nanoTime() < deadline) {
        Thread.sleep(Math.min(50, millis));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
