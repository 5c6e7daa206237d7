package dev.tollgate.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.job.config.AttributionConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every kustomization under deploy/kubernetes renders, validates, and says what Tollgate needs. */
class KubernetesManifestsTest {

  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Path SCHEMAS = ROOT.resolve("schemas");
  static final Set<String> EXTERNAL_NAMESPACES = Set.of("kafka");
  /**
   * What proxy-edge's EdgeServer.close() may take after the in-flight drain: client channels 5 s,
   * event loops 5 s, the publisher's flush min(grace, 10 s) plus 3 s for its last event.
   */
  private static final long EDGE_SHUTDOWN_TAIL_SECONDS = 5 + 5 + 10 + 3;
  private static final String[] DIRS = {"base", "overlays/local", "overlays/production"};

  static List<Manifest> render(String dir) {
    return Kustomize.render(ROOT.resolve(dir), ROOT);
  }

  static Manifest object(List<Manifest> objects, String kind, String name) {
    return objects.stream().filter(m -> m.kind().equals(kind) && m.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError(kind + " " + name + " not rendered"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
  void everyRenderedObjectPassesTheObjectModelAndSchemas(String dir) {
    List<Manifest> objects = render(dir);

    assertThat(new ManifestValidator(SCHEMAS, EXTERNAL_NAMESPACES).validate(objects)).isEmpty();
    assertThat(objects).extracting(Manifest::kind).contains("Deployment", "Service", "HorizontalPodAutoscaler",
        "PodDisruptionBudget", "FlinkDeployment", "KafkaTopic", "ClickHouseInstallation", "Secret", "ConfigMap");
  }

  @Test
  void everyYamlFileIsRenderedByAKustomization() throws IOException {
    Set<Path> referenced = new HashSet<>();
    for (String dir : DIRS) {
      Path kustomization = ROOT.resolve(dir).resolve(Kustomize.FILE);
      referenced.add(kustomization);
      JsonNode k = Yaml.documents(kustomization).get(0);
      k.path("resources").forEach(r -> referenced.add(ROOT.resolve(dir).resolve(r.asText()).normalize()));
      k.path("patches").forEach(p -> referenced.add(ROOT.resolve(dir).resolve(p.path("path").asText()).normalize()));
    }
    try (Stream<Path> files = Files.walk(ROOT)) {
      List<Path> orphans = files.filter(f -> f.toString().endsWith(".yaml") && !f.startsWith(ROOT.resolve("target"))
          && !f.startsWith(ROOT.resolve("src")) && !referenced.contains(f)).toList();
      assertThat(orphans).as("YAML files no kustomization renders").isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
  void theConfigMapIsAValidConfigurationForEveryServiceWithTheMountedSecrets(String dir, @TempDir Path tmp)
      throws IOException {
    List<Manifest> objects = render(dir);
    Deployment edge = Deployment.of(object(objects, "Deployment", "proxy-edge"));
    Deployment api = Deployment.of(object(objects, "Deployment", "analytics-api"));
    String hmacFile = edge.mountedFile("hmac-secret", "tollgate-edge-hmac", "hmac-secret");
    String tokensFile = api.mountedFile("tokens", "tollgate-analytics-tokens", "tokens.yaml");
    Path hmac = Files.writeString(tmp.resolve("hmac"), secret(objects, "tollgate-edge-hmac", "hmac-secret"));
    Path tokens = Files.writeString(tmp.resolve("tokens.yaml"), secret(objects, "tollgate-analytics-tokens", "tokens.yaml"));
    String yaml = object(objects, "ConfigMap", "tollgate-config").at("/data/tollgate.yaml").asText();

    // The paths in tollgate.yaml are where the pods mount the Secrets.
    assertThat(Yaml.documents("tollgate.yaml", yaml).get(0).at("/edge/key_fingerprint_secret_file").asText()).isEqualTo(hmacFile);
    assertThat(Yaml.documents("tollgate.yaml", yaml).get(0).at("/analytics/tokens_file").asText()).isEqualTo(tokensFile);
    assertThat(edge.configArg()).isEqualTo(edge.mountPath("config") + "/tollgate.yaml");
    assertThat(api.configArg()).isEqualTo(api.mountPath("config") + "/tollgate.yaml");

    // Read by the services' own config classes, with the Secrets' placeholder contents as files.
    Map<String, String> env = new HashMap<>();
    env.put("TOLLGATE_EDGE_KEY_FINGERPRINT_SECRET_FILE", hmac.toString());
    env.put("TOLLGATE_ANALYTICS_TOKENS_FILE", tokens.toString());
    env.put("TOLLGATE_CLICKHOUSE_PASSWORD", secret(objects, "tollgate-clickhouse", "password"));
    ConfigSource source = ConfigSource.parse("tollgate-config", yaml, env);
    EdgeConfig edgeConfig = EdgeConfig.from(source);
    AttributionConfig jobConfig = AttributionConfig.from(source);
    AnalyticsConfig apiConfig = AnalyticsConfig.from(source);

    assertThat(edgeConfig.keyFingerprintSecretGenerated()).isFalse();
    assertThat(edgeConfig.port()).isEqualTo(edge.containerPort("http"));
    assertThat(edgeConfig.adminPort()).isEqualTo(edge.containerPort("admin"));
    assertThat(apiConfig.port()).isEqualTo(api.containerPort("http"));
    assertThat(apiConfig.tokens()).isNotEmpty();
    assertThat(jobConfig.parallelism()).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
  void theEdgeDrainsBeforeTheKubeletKillsIt(String dir) {
    List<Manifest> objects = render(dir);
    Deployment edge = Deployment.of(object(objects, "Deployment", "proxy-edge"));
    String yaml = object(objects, "ConfigMap", "tollgate-config").at("/data/tollgate.yaml").asText();
    long graceSeconds = EdgeConfig.from(ConfigSource.parse("tollgate-config", yaml,
        Map.of("TOLLGATE_EDGE_KEY_FINGERPRINT_SECRET", "x"))).shutdownGracePeriod().toSeconds();

    assertThat(edge.terminationGracePeriodSeconds())
        .isGreaterThan(edge.preStopSleepSeconds() + graceSeconds + EDGE_SHUTDOWN_TAIL_SECONDS);
    assertThat(edge.preStopSleepSeconds()).isPositive();
    assertThat(edge.probe("readinessProbe")).isEqualTo("/readyz@admin");
    assertThat(edge.probe("livenessProbe")).isEqualTo("/healthz@admin");
    assertThat(edge.env("TOLLGATE_EDGE_SPOOL_DIR")).isEqualTo(edge.mountPath("spool"));
    assertThat(Long.parseLong(edge.env("TOLLGATE_EDGE_SPOOL_MAX_BYTES")))
        .isLessThan(Quantity.getAmountInBytes(new Quantity(edge.volume("spool").at("/emptyDir/sizeLimit").asText())).longValueExact());
    assertThat(edge.body().at("/spec/strategy/rollingUpdate/maxUnavailable").asInt(-1)).isZero();
    assertThat(object(objects, "HorizontalPodAutoscaler", "proxy-edge").at("/spec/minReplicas").asInt())
        .isGreaterThanOrEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
  void theJobUpgradesThroughSavepointsInObjectStorageWithTheSameCheckpointsAsItsConfig(String dir) throws IOException {
    List<Manifest> objects = render(dir);
    Manifest flink = object(objects, "FlinkDeployment", "tollgate-attribution");
    String yaml = object(objects, "ConfigMap", "tollgate-config").at("/data/tollgate.yaml").asText();
    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("tollgate-config", yaml, Map.of()));
    JsonNode flinkConfig = flink.at("/spec/flinkConfiguration");

    assertThat(flink.at("/spec/job/upgradeMode").asText()).isEqualTo("savepoint");
    assertThat(flink.at("/spec/job/parallelism").asInt()).isEqualTo(2);
    assertThat(flinkConfig.path("execution.checkpointing.dir").asText()).startsWith("s3://").isEqualTo(config.checkpointUri());
    assertThat(flinkConfig.path("execution.checkpointing.savepoint-dir").asText()).startsWith("s3://");
    assertThat(flink.at("/spec/job/entryClass").asText()).isEqualTo("dev.tollgate.job.AttributionJob");
    assertThat(flink.at("/spec/job/args").toString()).contains("/etc/tollgate/config/tollgate.yaml");
    // The image is the official Flink image plus the job jar at the path jarURI names.
    String dockerfile = Files.readString(ROOT.resolve("images/attribution-job.Dockerfile"));
    assertThat(dockerfile).contains("FROM flink:2.2.1-java17")
        .contains(flink.at("/spec/job/jarURI").asText().replace("local://", ""));
  }

  @ParameterizedTest
  @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
  void topicsArePartitionedForTheJobAndNamedAsTheServicesExpect(String dir) {
    List<Manifest> objects = render(dir);
    String yaml = object(objects, "ConfigMap", "tollgate-config").at("/data/tollgate.yaml").asText();
    AttributionConfig config = AttributionConfig.from(ConfigSource.parse("tollgate-config", yaml, Map.of()));
    Manifest invocations = object(objects, "KafkaTopic", config.invocationsTopic());
    object(objects, "KafkaTopic", config.deadLetterTopic());

    assertThat(invocations.at("/spec/partitions").asInt()).isGreaterThanOrEqualTo(6)
        .isGreaterThanOrEqualTo(config.parallelism());
    for (String compacted : List.of("tollgate.directory", "tollgate.prices")) {
      assertThat(object(objects, "KafkaTopic", compacted).at("/spec/config/cleanup.policy").asText()).isEqualTo("compact");
    }
    for (Manifest topic : objects.stream().filter(m -> m.kind().equals("KafkaTopic")).toList()) {
      assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText()).as(topic.describe()).isEqualTo("tollgate");
      assertThat(topic.at("/spec/config/min.insync.replicas").asInt()).as(topic.describe())
          .isLessThanOrEqualTo(topic.at("/spec/replicas").asInt());
    }
  }

  @Test
  void productionClickHouseIsShardedAndReplicatedThroughKeeper() {
    List<Manifest> objects = render("overlays/production");
    Manifest chi = object(objects, "ClickHouseInstallation", "tollgate");
    String yaml = object(objects, "ConfigMap", "tollgate-config").at("/data/tollgate.yaml").asText();

    assertThat(chi.at("/spec/configuration/clusters/0/layout/shardsCount").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(chi.at("/spec/configuration/clusters/0/layout/replicasCount").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(chi.at("/spec/configuration/zookeeper/nodes")).isNotEmpty();
    // Altinity names the installation's Service clickhouse-<name>.
    assertThat(Yaml.documents("tollgate.yaml", yaml).get(0).at("/clickhouse/url").asText())
        .startsWith("http://clickhouse-" + chi.name() + "." + chi.namespace() + ".svc:");
  }

  private static String secret(List<Manifest> objects, String name, String key) {
    JsonNode value = object(objects, "Secret", name).at("/stringData/" + key);
    assertThat(value.isTextual()).as("Secret " + name + " key " + key).isTrue();
    return value.asText();
  }

  /** Reading helpers over a rendered Deployment's single container. */
  private record Deployment(Manifest manifest) {

    static Deployment of(Manifest m) {
      return new Deployment(m);
    }

    JsonNode body() {
      return manifest.body();
    }

    JsonNode container() {
      return manifest.at("/spec/template/spec/containers/0");
    }

    String mountPath(String volume) {
      for (JsonNode mount : container().path("volumeMounts")) {
        if (mount.path("name").asText().equals(volume)) {
          return mount.path("mountPath").asText();
        }
      }
      throw new AssertionError(manifest.describe() + " does not mount " + volume);
    }

    /** The path at which {@code key} of Secret {@code secret} appears in the container. */
    String mountedFile(String volume, String secret, String key) {
      for (JsonNode v : manifest.at("/spec/template/spec/volumes")) {
        if (v.path("name").asText().equals(volume)) {
          assertThat(v.at("/secret/secretName").asText()).isEqualTo(secret);
        }
      }
      return mountPath(volume) + "/" + key;
    }

    int containerPort(String name) {
      for (JsonNode port : container().path("ports")) {
        if (port.path("name").asText().equals(name)) {
          return port.path("containerPort").asInt();
        }
      }
      throw new AssertionError(manifest.describe() + " has no port " + name);
    }

    String env(String name) {
      for (JsonNode env : container().path("env")) {
        if (env.path("name").asText().equals(name)) {
          return env.path("value").asText();
        }
      }
      throw new AssertionError(manifest.describe() + " sets no " + name);
    }

    JsonNode volume(String name) {
      for (JsonNode v : manifest.at("/spec/template/spec/volumes")) {
        if (v.path("name").asText().equals(name)) {
          return v;
        }
      }
      throw new AssertionError(manifest.describe() + " has no volume " + name);
    }

    String configArg() {
      JsonNode args = container().path("args");
      for (int i = 0; i + 1 < args.size(); i++) {
        if (args.get(i).asText().equals("--config")) {
          return args.get(i + 1).asText();
        }
      }
      throw new AssertionError(manifest.describe() + " has no --config argument");
    }

    long terminationGracePeriodSeconds() {
      return manifest.at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
    }

    long preStopSleepSeconds() {
      JsonNode command = container().at("/lifecycle/preStop/exec/command");
      assertThat(command.get(0).asText()).isEqualTo("sleep");
      return Long.parseLong(command.get(1).asText());
    }

    String probe(String which) {
      JsonNode get = container().path(which).path("httpGet");
      return get.path("path").asText() + "@" + get.path("port").asText();
    }
  }
}
