package dev.tollgate.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerIT {

    @TempDir
    Path dir;

    @Test
    void keepsTopicsAndRecordsAcrossARestartWithTheSameDataDir() throws Exception {
        int port;
        int controllerPort;
        try (KafkaBroker broker = KafkaBroker.start(dir, 0, 0)) {
            port = broker.port();
            controllerPort = broker.controllerPort();
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            broker.createTopic("round-trip", 2, false);
            broker.createTopic("round-trip", 2, false);
            produce(broker.bootstrapServers(), "round-trip", "a", "b", "c");
            assertThat(consume(broker.bootstrapServers(), "round-trip", 3)).containsExactlyInAnyOrder("a", "b", "c");
        }
        try (KafkaBroker broker = KafkaBroker.start(dir, port, controllerPort)) {
            assertThat(consume(broker.bootstrapServers(), "round-trip", 3)).containsExactlyInAnyOrder("a", "b", "c");
        }
    }

    @Test
    void createsCompactedTopicsAndCommitsTransactions() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dir, 0, 0)) {
            broker.createTopic("compacted", 1, true);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "compacted");
                Config config = admin.describeConfigs(Set.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
                assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("compacted");
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-1",
                    ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000),
                    new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("compacted", "k", "committed"));
                producer.commitTransaction();
            }
            assertThat(consume(broker.bootstrapServers(), "compacted", 1)).containsExactly("committed");
        }
    }

    @Test
    void runsAsAStandaloneProcessUntilSigterm() throws Exception {
        Path data = dir.resolve("process");
        int port = freePort();
        int controllerPort = freePort();
        Process process = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                KafkaBroker.class.getName(),
                "--data-dir", data.toString(), "--port", Integer.toString(port),
                "--controller-port", Integer.toString(controllerPort))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("process.log").toFile())
                .start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port))) {
            assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).hasSize(1);
        } finally {
            process.destroy();
        }
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
        assertThat(data.resolve("kraft").resolve("meta.properties")).exists();
        assertThat(Files.readString(dir.resolve("process.log")))
                .contains("kafka broker stopped")
                .doesNotContain(" INFO  [main] o.a.k");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void produce(String bootstrap, String topic, String... values) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> consume(String bootstrap, String topic, int atLeast) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "it-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < atLeast && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
