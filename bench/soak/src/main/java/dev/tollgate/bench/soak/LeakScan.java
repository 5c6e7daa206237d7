package dev.tollgate.bench.soak;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Searches everything the stack wrote for the run's provider keys and prompt markers: every file
 * under the data directory (logs, Kafka segments, spool, ClickHouse data, Flink checkpoints), the
 * captured API responses, every Kafka record (decompressed, as consumers see it) and every string
 * column of every ClickHouse table (parts are compressed on disk). Zero hits is the promise.
 *
 * <p>Single-threaded.
 */
final class LeakScan {

  /** Where, how much was searched, and the hits (file or table names). */
  record Area(String name, long items, long bytes, List<String> hits) {}

  private final List<byte[]> needles;
  private final List<String> needleText;

  LeakScan(List<String> needles) {
    this.needleText = needles;
    this.needles = needles.stream().map(n -> n.getBytes(StandardCharsets.UTF_8)).toList();
  }

  /** Files under {@code dir}, grouped by their first path element (logs, kafka, clickhouse...). */
  List<Area> files(Path dir, Path... extra) throws IOException {
    Map<String, long[]> sizes = new LinkedHashMap<>();
    Map<String, List<String>> hits = new LinkedHashMap<>();
    List<Path> all = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      // Kafka's offset and time indexes hold offsets and file positions only, preallocated (sparse)
      // to 10 MiB each: skipped. Its .log segments, which hold the records, are searched.
      walk.filter(Files::isRegularFile)
          .filter(f -> !f.toString().endsWith(".index") && !f.toString().endsWith(".timeindex"))
          .forEach(all::add);
    }
    all.addAll(List.of(extra));
    for (Path f : all) {
      String area = f.startsWith(dir) && dir.relativize(f).getNameCount() > 1
          ? dir.relativize(f).getName(0).toString()
          : f.startsWith(dir) ? "(data dir files)" : "api-responses";
      long[] s = sizes.computeIfAbsent(area, k -> new long[2]);
      List<String> h = hits.computeIfAbsent(area, k -> new ArrayList<>());
      try {
        long n = Files.size(f);
        s[0]++;
        s[1] += n;
        if (contains(f)) {
          h.add(f.toString());
        }
      } catch (IOException e) {
        // A file removed while walking (a merged ClickHouse part, a rolled segment) holds nothing now.
      }
    }
    List<Area> out = new ArrayList<>();
    sizes.forEach((k, v) -> out.add(new Area("files: " + k, v[0], v[1], hits.get(k))));
    return out;
  }

  private boolean contains(Path f) throws IOException {
    int overlap = needles.stream().mapToInt(n -> n.length).max().orElse(1);
    byte[] buf = new byte[1 << 20];
    int carry = 0;
    try (InputStream in = Files.newInputStream(f)) {
      int read;
      while ((read = in.read(buf, carry, buf.length - carry)) > 0) {
        int len = carry + read;
        for (byte[] n : needles) {
          if (indexOf(buf, len, n) >= 0) {
            return true;
          }
        }
        carry = Math.min(overlap, len);
        System.arraycopy(buf, len - carry, buf, 0, carry);
      }
    }
    return false;
  }

  private static int indexOf(byte[] hay, int len, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= len; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private boolean contains(byte[] data) {
    if (data == null) {
      return false;
    }
    for (byte[] n : needles) {
      if (indexOf(data, data.length, n) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Every record of every topic, from the beginning to the current end. */
  Area kafka(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    long records = 0;
    long bytes = 0;
    List<String> hits = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (Map.Entry<String, List<PartitionInfo>> e : c.listTopics(Duration.ofSeconds(30)).entrySet()) {
        e.getValue().forEach(pi -> parts.add(new TopicPartition(pi.topic(), pi.partition())));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          records++;
          bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
          if ((contains(r.key()) || contains(r.value())) && hits.size() < 10) {
            hits.add(r.topic() + "-" + r.partition() + "@" + r.offset());
          }
        }
      }
      if (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        hits.add("(not read to the end within 3 min)");
      }
    }
    return new Area("kafka records", records, bytes, hits);
  }

  /** Every string column of every table of {@code database}, searched by ClickHouse itself. */
  Area clickhouse(Stack stack, String database) throws IOException, InterruptedException {
    String columns = stack.clickhouse("SELECT c.table, c.name, c.type FROM system.columns AS c"
        + " WHERE c.database = '" + database + "' AND c.type LIKE '%String%' FORMAT TabSeparated");
    Map<String, List<String>> conditions = new LinkedHashMap<>();
    for (String line : columns.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t");
      String col = "`" + f[1] + "`";
      for (String n : needleText) {
        String cond = f[2].startsWith("Array(")
            ? "arrayExists(x -> position(toString(x), '" + n + "') > 0, " + col + ")"
            : f[2].startsWith("Nullable(")
                ? "position(toString(assumeNotNull(" + col + ")), '" + n + "') > 0"
                : "position(toString(" + col + "), '" + n + "') > 0";
        conditions.computeIfAbsent(f[0], k -> new ArrayList<>()).add(cond);
      }
    }
    String engines = stack.clickhouse("SELECT name, engine FROM system.tables WHERE database = '" + database
        + "' FORMAT TabSeparated");
    long rows = 0;
    List<String> hits = new ArrayList<>();
    int tables = 0;
    for (String line : engines.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t");
      if (f[1].contains("View") || !conditions.containsKey(f[0])) {
        continue;
      }
      tables++;
      String table = database + ".`" + f[0] + "`";
      rows += Long.parseLong(stack.clickhouse("SELECT count() FROM " + table + " FORMAT TabSeparated").trim());
      long n = Long.parseLong(stack.clickhouse("SELECT count() FROM " + table + " WHERE "
          + String.join(" OR ", conditions.get(f[0])) + " FORMAT TabSeparated").trim());
      if (n > 0) {
        hits.add(f[0] + ": " + n + " rows");
      }
    }
    return new Area("clickhouse rows (" + tables + " tables)", rows, 0, hits);
  }
}
