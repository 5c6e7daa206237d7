package dev.tollgate.kafka;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in this JVM, with
 * its data in a directory that survives restarts.
 *
 * <p>Thread-safe: {@link #createTopic} may be called from any thread; {@link #close} is idempotent.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String LOG4J_CONFIG = "tollgate-kafka-log4j2.xml";

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final KafkaRaftServer server;
    private final Admin admin;
    private boolean closed;

    private KafkaBroker(Path dataDir, int port, int controllerPort, KafkaRaftServer server, Admin admin) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.server = server;
        this.admin = admin;
    }

    /**
     * Formats {@code dataDir} unless it already holds a broker's data, starts the broker and waits
     * until it serves clients. A port of 0 picks a free one.
     */
    public static KafkaBroker start(Path dataDir, int port, int controllerPort) {
        requireNonNull(dataDir, "dataDir");
        checkPort("port", port);
        checkPort("controllerPort", controllerPort);
        int brokerPort = port == 0 ? freePort() : port;
        int ctrlPort = controllerPort == 0 ? freePort() : controllerPort;
        if (brokerPort == ctrlPort) {
            throw new IllegalArgumentException(
                    "controllerPort: " + ctrlPort + " (expected: different from port " + brokerPort + ")");
        }
        Path logDir = dataDir.toAbsolutePath().resolve("kraft");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create kafka data dir " + logDir, e);
        }
        Properties props = serverProperties(logDir, brokerPort, ctrlPort);
        formatIfNeeded(logDir);

        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        Admin admin = null;
        try {
            server.startup();
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + brokerPort,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
            awaitReady(admin);
        } catch (RuntimeException | Error e) {
            if (admin != null) {
                admin.close(Duration.ZERO);
            }
            shutdown(server);
            throw e;
        }
        log().info("kafka broker started bootstrap=127.0.0.1:{}, controller_port={}, data_dir={}",
                brokerPort, ctrlPort, dataDir);
        return new KafkaBroker(dataDir, brokerPort, ctrlPort, server, admin);
    }

    /** {@code host:port} for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The client port actually bound (never 0). */
    public int port() {
        return port;
    }

    /** The controller port actually bound (never 0). */
    public int controllerPort() {
        return controllerPort;
    }

    /** The directory the broker keeps its data in. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates a topic with replication factor 1 and waits until it exists; an existing topic of the
     * same name is left as it is.
     */
    public void createTopic(String name, int partitions, boolean compacted) {
        requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions: " + partitions + " (expected: >= 1)");
        }
        NewTopic topic = new NewTopic(name, partitions, (short) 1);
        if (compacted) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        try {
            admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            log().info("kafka topic created topic={}, partitions={}, compacted={}", name, partitions, compacted);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topic " + name, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name, e);
        }
    }

    /** Shuts the broker down cleanly and waits for its threads to end. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        admin.close(Duration.ofSeconds(5));
        shutdown(server);
        log().info("kafka broker stopped bootstrap=127.0.0.1:{}", port);
    }

    /**
     * Runs the broker as a standalone process until SIGTERM:
     * {@code --data-dir D --port P --controller-port C}.
     */
    public static void main(String[] args) {
        // Must happen before the first logger is created: log4j reads it once, at initialisation.
        if (System.getProperty("log4j2.configurationFile") == null
                && KafkaBroker.class.getClassLoader().getResource(LOG4J_CONFIG) != null) {
            System.setProperty("log4j2.configurationFile", "classpath:" + LOG4J_CONFIG);
        }
        Path dataDir = null;
        int port = 9092;
        int controllerPort = 9093;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + arg);
            }
            String value = args[++i];
            switch (arg) {
                case "--data-dir" -> dataDir = Path.of(value);
                case "--port" -> port = parsePort(arg, value);
                case "--controller-port" -> controllerPort = parsePort(arg, value);
                default -> usage("unknown option " + arg);
            }
        }
        if (dataDir == null) {
            usage("--data-dir is required");
        }
        KafkaBroker broker = start(dataDir, port, controllerPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } finally {
                stopped.countDown();
            }
        }, "kafka-broker-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Properties serverProperties(Path logDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("metadata.log.dir", logDir.toString());
        // One node: every replication factor and min ISR must be 1, including the transaction state
        // log that the exactly-once Flink sink writes to.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        // Fewer internal partitions: they are created on first use and each costs start-up time.
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("num.partitions", "1");
        p.put("transaction.max.timeout.ms", "900000");
        p.put("auto.create.topics.enable", "false");
        // Consumers join at once instead of waiting for more members that will never come.
        p.put("group.initial.rebalance.delay.ms", "0");
        return p;
    }

    private static void formatIfNeeded(Path logDir) {
        // meta.properties holds the cluster id; its presence means this directory is formatted and
        // formatting again would refuse (or lose the data).
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .addDirectory(logDir.toString())
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format kafka storage in " + logDir, e);
        }
    }

    private static void awaitReady(Admin admin) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the kafka broker", e);
            } catch (ExecutionException | TimeoutException e) {
                last = e;
            }
            sleep(50);
        }
        throw new IllegalStateException("kafka broker not ready after " + START_TIMEOUT, last);
    }

    private static void shutdown(KafkaRaftServer server) {
        server.shutdown();
        server.awaitShutdown();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(name + ": " + port + " (expected: 0..65535)");
        }
    }

    private static int parsePort(String option, String value) {
        try {
            int port = Integer.parseInt(value);
            checkPort(option, port);
            return port;
        } catch (NumberFormatException e) {
            usage(option + ": " + value + " (expected: a port number)");
            return -1;
        }
    }

    private static void usage(String problem) {
        System.err.println("kafka-broker: " + problem);
        System.err.println("usage: KafkaBroker --data-dir DIR [--port 9092] [--controller-port 9093]");
        System.exit(2);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    // Not a static field: main() must configure log4j before the first logger exists.
    private static Logger log() {
        return LoggerFactory.getLogger(KafkaBroker.class);
    }
}
