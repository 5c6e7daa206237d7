package dev.tollgate.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.Migrations;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Java half of {@code ./tollgate}: resolves settings for the shell script and prepares a
 * started stack (ClickHouse migrations, Kafka topics, the directory seed, the analytics token and
 * the edge's HMAC secret). Every step is idempotent, so {@code ./tollgate up} may run it any number of times.
 *
 * <p>Runs once per command, single-threaded.
 */
public final class LocalStack {

  /** The directory seed, next to the configuration file. */
  static final String DIRECTORY_SEED = "directory.yaml";
  /** Created below with the other topics; kafka.topics.directory must name it. */
  private static final List<String> DIRECTORY_FIELDS = List.of("tenant", "team", "user", "service", "cost_center");

  private LocalStack() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: LocalStack env|bootstrap [--config FILE]");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      ConfigSource source = ConfigSource.fromArgs(rest);
      LocalSettings settings = LocalSettings.from(source);
      switch (args[0]) {
        case "env" -> printShellVariables(settings);
        case "bootstrap" -> bootstrap(settings, Path.of(source.origin()).resolveSibling(DIRECTORY_SEED));
        default -> {
          System.err.println("unknown command: " + args[0] + " (expected: env, bootstrap)");
          System.exit(2);
        }
      }
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(78);
    }
  }

  private static void printShellVariables(LocalSettings settings) {
    settings.shellVariables().forEach((k, v) -> System.out.println(k + "='" + v.replace("'", "'\\''") + "'"));
  }

  static void bootstrap(LocalSettings s, Path directorySeed) throws Exception {
    Files.createDirectories(s.dataDir());
    try (var client = ClickHouseClients.create(
        s.clickhouseUrl().toString(), s.clickhouseUser(), s.clickhousePassword(), "default")) {
      List<String> applied = Migrations.apply(client, s.clickhouseDatabase());
      System.out.println("clickhouse: database " + s.clickhouseDatabase() + ", migrations applied: "
          + (applied.isEmpty() ? "none (up to date)" : String.join(", ", applied)));
    }
    createTopics(s);
    seedDirectory(s, directorySeed);
    String token = ensureAnalyticsToken(s.dataDir().resolve("analytics-token"), s.tokensFile());
    if (s.edgeSecretFile() != null) {
      ensureSecret(s.edgeSecretFile());
    }
    System.out.println("analytics token: " + s.dataDir().resolve("analytics-token") + " (" + token.length() + " chars)");
  }

  private static void createTopics(LocalSettings s) throws InterruptedException, ExecutionException {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> wanted = List.of(
          new NewTopic(s.invocationsTopic(), s.invocationsPartitions(), (short) 1),
          new NewTopic(s.deadLetterTopic(), 1, (short) 1),
          new NewTopic(s.directoryTopic(), 1, (short) 1)
              .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
          new NewTopic(s.pricesTopic(), 1, (short) 1)
              .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
      List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
      }
      System.out.println("kafka: topics " + wanted.stream().map(NewTopic::name).toList()
          + (missing.isEmpty() ? " exist" : ", created " + missing.stream().map(NewTopic::name).toList()));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("kafka at " + s.kafkaBootstrap() + " did not answer within 30 s", e);
    }
  }

  /**
   * Publishes the directory seed file (next to the configuration file) to the directory topic,
   * one record per key fingerprint, value the entry as JSON. Idempotent: the topic is compacted
   * and keyed by fingerprint, so publishing the same entries again leaves the same table.
   */
  static void seedDirectory(LocalSettings s, Path file)
      throws IOException, InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    if (!Files.exists(file)) {
      System.out.println("kafka: no directory seed (" + file + " does not exist)");
      return;
    }
    Map<String, String> entries = directoryEntries(file);
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      List<Future<RecordMetadata>> sent = new java.util.ArrayList<>();
      entries.forEach((key, json) -> sent.add(producer.send(new ProducerRecord<>(s.directoryTopic(), key, json))));
      for (Future<RecordMetadata> f : sent) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
    System.out.println("kafka: directory seeded from " + file + " (" + entries.size() + " keys)");
  }

  /** The seed file's entries: key fingerprint -> JSON value; every problem reported at once. */
  static Map<String, String> directoryEntries(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode root = yaml.readTree(file.toFile());
    JsonNode keys = root == null ? null : root.get("keys");
    List<String> problems = new java.util.ArrayList<>();
    Map<String, String> entries = new java.util.TreeMap<>();
    if (keys != null && !keys.isNull() && !keys.isObject()) {
      problems.add("keys: not a mapping (expected: key fingerprint -> fields)");
    } else if (keys != null) {
      for (var key : keys.properties()) {
        String at = "keys." + key.getKey();
        if (!key.getKey().matches("[0-9a-f]{16,128}")) {
          problems.add(at + ": not a key fingerprint (expected: lower-case hex, as in invocations.key_fingerprint)");
        }
        if (!key.getValue().isObject()) {
          problems.add(at + ": not a mapping (expected: tenant, team, user, service, cost_center)");
          continue;
        }
        ObjectNode value = yaml.createObjectNode();
        for (var field : key.getValue().properties()) {
          if (!DIRECTORY_FIELDS.contains(field.getKey())) {
            problems.add(at + "." + field.getKey() + ": unknown field (expected: one of " + DIRECTORY_FIELDS + ")");
          } else if (!field.getValue().isValueNode() || field.getValue().isNull()) {
            problems.add(at + "." + field.getKey() + ": not a string");
          } else {
            value.put(field.getKey(), field.getValue().asText());
          }
        }
        entries.put(key.getKey(), value.toString());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(file + ": invalid directory:\n  " + String.join("\n  ", problems));
    }
    return entries;
  }

  /**
   * Returns the local analytics token, creating it on first use. Only its SHA-256 goes into the
   * tokens file the API reads; the token itself stays in a file readable by its owner only.
   */
  static String ensureAnalyticsToken(Path tokenFile, Path tokensFile) throws IOException {
    String token;
    if (Files.exists(tokenFile)) {
      token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
    } else {
      token = "tg_" + randomHex(24);
      writeOwnerOnly(tokenFile, token + "\n");
    }
    String yaml = "# Written by ./tollgate up: the local analytics token (its SHA-256 only).\n"
        + "tokens:\n"
        + "  - name: local\n"
        + "    tenant: default\n"
        + "    sha256: " + sha256Hex(token) + "\n";
    if (!Files.exists(tokensFile) || !Files.readString(tokensFile).equals(yaml)) {
      if (tokensFile.getParent() != null) {
        Files.createDirectories(tokensFile.getParent());
      }
      Files.writeString(tokensFile, yaml);
    }
    return token;
  }

  private static void ensureSecret(Path file) throws IOException {
    if (!Files.exists(file)) {
      writeOwnerOnly(file, randomHex(32) + "\n");
    }
  }

  private static void writeOwnerOnly(Path file, String text) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
