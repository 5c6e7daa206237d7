package dev.tollgate.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaExtensionIT {

    @RegisterExtension
    static final KafkaExtension kafka = new KafkaExtension();

    @Test
    void roundTripsRecordsThroughARealBroker() throws Exception {
        kafka.createTopic("round-trip", 2);
        kafka.createTopic("round-trip", 2);
        KafkaProducer<byte[], byte[]> producer = kafka.producer();
        for (int i = 0; i < 10; i++) {
            producer.send(new ProducerRecord<>("round-trip", bytes("k" + i), bytes("v" + i))).get(30, TimeUnit.SECONDS);
        }

        List<ConsumerRecord<byte[], byte[]>> records = kafka.consume("round-trip", 10, Duration.ofSeconds(30));

        assertThat(records).extracting(r -> new String(r.value(), UTF_8))
                .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
        assertThat(records).extracting(ConsumerRecord::partition).containsOnly(0, 1);
    }

    @Test
    void consumeSeesOnlyCommittedTransactionalRecords() throws Exception {
        kafka.createTopic("transactional", 1);
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer(Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-it",
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 900_000))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", bytes("aborted")));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", bytes("committed")));
            producer.commitTransaction();
        }

        List<ConsumerRecord<byte[], byte[]>> records = kafka.consume("transactional", 2, Duration.ofSeconds(3));

        assertThat(records).extracting(r -> new String(r.value(), UTF_8)).containsExactly("committed");
    }

    @Test
    void keepsRecordsAcrossAStopAndRestartOnTheSameAddress() throws Exception {
        kafka.createTopic("durable", 1);
        String bootstrap = kafka.bootstrapServers();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            producer.send(new ProducerRecord<>("durable", bytes("before-restart"))).get(30, TimeUnit.SECONDS);
        }

        kafka.stop();
        assertThat(kafka.isRunning()).isFalse();
        kafka.restart();

        assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
        assertThat(kafka.consume("durable", 1, Duration.ofSeconds(30)))
                .extracting(r -> new String(r.value(), UTF_8)).containsExactly("before-restart");
    }

    @Test
    void consumeReturnsWhatItHasWhenTheTimeoutPasses() {
        kafka.createTopic("empty", 1);

        long start = System.nanoTime();
        List<ConsumerRecord<byte[], byte[]>> records = kafka.consume("empty", 1, Duration.ofMillis(500));

        assertThat(records).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
