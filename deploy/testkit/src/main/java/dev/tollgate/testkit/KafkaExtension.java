package dev.tollgate.testkit;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.tollgate.kafka.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real single-node Kafka broker (KRaft) on free ports in a temporary directory for one test
 * class, and stops it and deletes the directory after the class.
 *
 * <p>Register it as {@code @RegisterExtension static final KafkaExtension kafka = new
 * KafkaExtension();}. Thread-safe: the helpers may be called from test threads in parallel;
 * {@link #stop()} and {@link #restart()} must not race each other.
 */
public final class KafkaExtension implements BeforeAllCallback, AfterAllCallback {

    private final List<KafkaProducer<byte[], byte[]>> producers = new CopyOnWriteArrayList<>();
    private volatile KafkaBroker broker;
    private volatile Path dataDir;
    private volatile int port;
    private volatile int controllerPort;
    private volatile String ownerId;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        Containers.rejectIfRequested();
        if (ownerId != null) {
            // A @Nested class: the enclosing class's broker serves it too.
            return;
        }
        ownerId = context.getUniqueId();
        dataDir = Files.createTempDirectory("tollgate-kafka-");
        broker = KafkaBroker.start(dataDir, 0, 0);
        port = broker.port();
        controllerPort = broker.controllerPort();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getUniqueId().equals(ownerId)) {
            return;
        }
        try {
            for (KafkaProducer<byte[], byte[]> producer : producers) {
                producer.close(Duration.ofSeconds(5));
            }
            producers.clear();
            stop();
        } finally {
            TempDirs.deleteQuietly(dataDir);
            ownerId = null;
        }
    }

    /** {@code host:port} for {@code bootstrap.servers}; stays the same across {@link #restart()}. */
    public String bootstrapServers() {
        requireStarted();
        return "127.0.0.1:" + port;
    }

    /** The running broker (e.g. for {@link KafkaBroker#createTopic} with compaction). */
    public KafkaBroker broker() {
        KafkaBroker current = broker;
        if (current == null) {
            throw new IllegalStateException("the kafka broker is stopped (call restart())" + registrationHint());
        }
        return current;
    }

    /** Creates a (non-compacted) topic; an existing topic is left as it is. */
    public void createTopic(String name, int partitions) {
        broker().createTopic(name, partitions, false);
    }

    /** Creates a topic, compacted or not; an existing topic is left as it is. */
    public void createTopic(String name, int partitions, boolean compacted) {
        broker().createTopic(name, partitions, compacted);
    }

    /**
     * Reads {@code topic} from the beginning of every partition, committed records only, until at
     * least {@code atLeast} records arrived or {@code timeout} passed, and returns what it read (so
     * a test asserts the size itself). Uses no consumer group.
     */
    public List<ConsumerRecord<byte[], byte[]>> consume(String topic, int atLeast, Duration timeout) {
        requireNonNull(topic, "topic");
        requireNonNull(timeout, "timeout");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, remaining(deadline));
                partitions = infos == null ? List.of()
                        : infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (partitions.isEmpty()) {
                    sleep(50);
                }
            }
            if (partitions.isEmpty()) {
                return records;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (records.size() < atLeast && System.nanoTime() < deadline) {
                Duration wait = remaining(deadline);
                Duration poll = wait.compareTo(Duration.ofMillis(200)) < 0 ? wait : Duration.ofMillis(200);
                consumer.poll(poll).forEach(records::add);
            }
        } catch (TimeoutException e) {
            // The deadline passed while waiting for metadata: return what was read.
        }
        return records;
    }

    /**
     * A new producer of raw bytes ({@code acks=all}, idempotent) to this broker. Closing it is
     * optional: producers still open are closed after the test class.
     */
    public KafkaProducer<byte[], byte[]> producer() {
        return producer(Map.of());
    }

    /** As {@link #producer()}, with extra producer properties (e.g. a transactional id). */
    public KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000));
        config.putAll(overrides);
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
        producers.add(producer);
        return producer;
    }

    /** Shuts the broker down cleanly, keeping its data; {@link #restart()} brings it back. */
    public synchronized void stop() {
        KafkaBroker current = broker;
        broker = null;
        if (current != null) {
            current.close();
        }
    }

    /**
     * Starts the broker again on the same ports with the same data (stopping it first if it runs).
     */
    public synchronized void restart() {
        requireStarted();
        stop();
        broker = KafkaBroker.start(dataDir, port, controllerPort);
    }

    /** Whether the broker is running (not {@link #stop() stopped}). */
    public boolean isRunning() {
        return broker != null;
    }

    private void requireStarted() {
        if (dataDir == null) {
            throw new IllegalStateException("the kafka broker was never started" + registrationHint());
        }
    }

    private static String registrationHint() {
        return "; register the extension as '@RegisterExtension static final KafkaExtension kafka = new KafkaExtension();'";
    }

    private static Duration remaining(long deadline) {
        long nanos = deadline - System.nanoTime();
        return Duration.ofNanos(Math.max(nanos, 0));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
