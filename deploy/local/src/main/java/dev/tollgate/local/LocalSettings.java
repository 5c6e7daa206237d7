package dev.tollgate.local;

import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigSource;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the single-machine stack needs to know to start its servers: ports and paths, resolved from
 * the deployment YAML with the same environment overrides every service applies.
 *
 * <p>Immutable.
 */
record LocalSettings(
    Path dataDir,
    URI clickhouseUrl,
    String clickhouseDatabase,
    String clickhouseUser,
    String clickhousePassword,
    int clickhouseTcpPort,
    String kafkaBootstrap,
    int kafkaPort,
    int kafkaControllerPort,
    String invocationsTopic,
    String deadLetterTopic,
    String directoryTopic,
    String pricesTopic,
    int invocationsPartitions,
    int fakeProviderPort,
    int edgePort,
    int edgeAdminPort,
    int analyticsPort,
    int jobRestPort,
    Path tokensFile,
    Path edgeSecretFile) {

  static LocalSettings from(ConfigSource source) {
    ConfigReader r = new ConfigReader(source);
    Path dataDir = r.dataDir().toAbsolutePath().normalize();
    URI clickhouseUrl = r.httpUrl("clickhouse.url", "http://127.0.0.1:8123");
    String bootstrap = r.string("kafka.bootstrap_servers", "127.0.0.1:9092");
    int kafkaPort = portOf(r, "kafka.bootstrap_servers", bootstrap);
    LocalSettings settings = new LocalSettings(
        dataDir,
        clickhouseUrl,
        r.string("clickhouse.database", "tollgate"),
        r.string("clickhouse.user", "default"),
        r.string("clickhouse.password", ""),
        r.port("local.clickhouse_tcp_port", 9000),
        bootstrap,
        kafkaPort,
        r.port("local.kafka_controller_port", 9093),
        r.string("kafka.topics.invocations", "tollgate.invocations"),
        r.string("kafka.topics.dead_letter", "tollgate.invocations.dlq"),
        r.string("kafka.topics.directory", "tollgate.directory"),
        r.string("kafka.topics.prices", "tollgate.prices"),
        r.integer("local.invocations_partitions", 2, 1, 1024),
        r.port("local.fake_provider_port", 8095),
        r.port("edge.port", 8080),
        r.port("edge.admin_port", 8090),
        r.port("analytics.port", 8081),
        r.port("job.local_rest_port", 8091),
        Path.of(r.string("analytics.tokens_file", dataDir.resolve("analytics-tokens.yaml").toString())),
        secretFile(r.string("edge.key_fingerprint_secret_file", null)));
    r.rejectUnknownKeys("local");
    r.validate();
    return settings;
  }

  /** Shell assignments for ./tollgate ({@code eval "$(... env)"}); values are single-quoted. */
  Map<String, String> shellVariables() {
    Map<String, String> vars = new LinkedHashMap<>();
    vars.put("TG_DATA_DIR", dataDir.toString());
    vars.put("TG_CLICKHOUSE_URL", clickhouseUrl.toString());
    vars.put("TG_CLICKHOUSE_HTTP_PORT", Integer.toString(clickhouseUrl.getPort() == -1 ? 8123 : clickhouseUrl.getPort()));
    vars.put("TG_CLICKHOUSE_TCP_PORT", Integer.toString(clickhouseTcpPort));
    vars.put("TG_KAFKA_PORT", Integer.toString(kafkaPort));
    vars.put("TG_KAFKA_CONTROLLER_PORT", Integer.toString(kafkaControllerPort));
    vars.put("TG_FAKE_PROVIDER_PORT", Integer.toString(fakeProviderPort));
    vars.put("TG_EDGE_PORT", Integer.toString(edgePort));
    vars.put("TG_EDGE_ADMIN_PORT", Integer.toString(edgeAdminPort));
    vars.put("TG_ANALYTICS_PORT", Integer.toString(analyticsPort));
    vars.put("TG_JOB_REST_PORT", Integer.toString(jobRestPort));
    return vars;
  }

  /**
   * The edge's key-fingerprint secret file, which {@code up} creates where the edge will read it,
   * whatever data_dir says; null when the configuration names none (the edge then uses an inline
   * secret, or draws one per process and warns).
   */
  private static Path secretFile(String configured) {
    return configured == null || configured.isBlank() ? null : Path.of(configured);
  }

  private static int portOf(ConfigReader r, String path, String hostPorts) {
    String first = hostPorts.split(",")[0].trim();
    int colon = first.lastIndexOf(':');
    try {
      return Integer.parseInt(first.substring(colon + 1));
    } catch (RuntimeException e) {
      r.problem(path, hostPorts + " (expected: host:port[,host:port...])");
      return 9092;
    }
  }
}
