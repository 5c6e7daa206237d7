package dev.tollgate.local;

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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The Java half of {@code ./tollgate}: resolves settings for the shell script and prepares a
 * started stack (ClickHouse migrations, Kafka topics, the analytics token and the edge's HMAC
 * secret). Every step is idempotent, so {@code ./tollgate up} may run it any number of times.
 *
 * <p>Runs once per command, single-threaded.
 */
public final class LocalStack {

  private LocalStack() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: LocalStack env|bootstrap [--config FILE]");
      System.exit(2);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      LocalSettings settings = LocalSettings.from(ConfigSource.fromArgs(rest));
      switch (args[0]) {
        case "env" -> printShellVariables(settings);
        case "bootstrap" -> bootstrap(settings);
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

  static void bootstrap(LocalSettings s) throws Exception {
    Files.createDirectories(s.dataDir());
    try (var client = ClickHouseClients.create(
        s.clickhouseUrl().toString(), s.clickhouseUser(), s.clickhousePassword(), "default")) {
      List<String> applied = Migrations.apply(client, s.clickhouseDatabase());
      System.out.println("clickhouse: database " + s.clickhouseDatabase() + ", migrations applied: "
          + (applied.isEmpty() ? "none (up to date)" : String.join(", ", applied)));
    }
    createTopics(s);
    String token = ensureAnalyticsToken(s.dataDir().resolve("analytics-token"), s.tokensFile());
    ensureSecret(s.dataDir().resolve("edge-hmac-secret"));
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
          new NewTopic("tollgate.directory", 1, (short) 1)
              .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
          new NewTopic("tollgate.prices", 1, (short) 1)
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
