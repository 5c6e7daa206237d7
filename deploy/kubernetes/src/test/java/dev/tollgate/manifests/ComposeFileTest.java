package dev.tollgate.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.job.config.AttributionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** deploy/compose/compose.yaml: valid Compose, every reference resolves, its tollgate.yaml is valid. */
class ComposeFileTest {

  private static final Path DIR = KubernetesManifestsTest.ROOT.resolve("../compose").normalize();

  private static String text() throws IOException {
    return Files.readString(DIR.resolve("compose.yaml"));
  }

  private static List<String> problems(String text, Consumer<ObjectNode> edit) throws IOException {
    ObjectNode compose = (ObjectNode) ComposeValidator.parse(text);
    edit.accept(compose);
    return new ComposeValidator(DIR, ComposeValidator.envNames(Files.readString(DIR.resolve(".env.example"))))
        .validate(compose, text);
  }

  private static ObjectNode service(ObjectNode compose, String name) {
    return (ObjectNode) compose.path("services").path(name);
  }

  @Test
  void theComposeFileIsValidAndEveryReferenceResolves() throws IOException {
    assertThat(problems(text(), c -> {})).isEmpty();
  }

  @Test
  void runsTheWholeStackFromOfficialImagesWithTwoTaskManagers() throws IOException {
    JsonNode services = ComposeValidator.parse(text()).path("services");

    assertThat(services.path("kafka").path("image").asText()).startsWith("apache/kafka:4.2.");
    assertThat(services.path("clickhouse").path("image").asText()).startsWith("clickhouse/clickhouse-server:");
    assertThat(services.path("jobmanager").path("image").asText()).isEqualTo("flink:2.2.1-java17");
    assertThat(services.path("taskmanager").path("image").asText()).isEqualTo("flink:2.2.1-java17");
    assertThat(services.path("taskmanager").at("/deploy/replicas").asInt()).isEqualTo(2);
    for (String java : List.of("proxy-edge", "analytics-api", "fake-provider")) {
      assertThat(services.path(java).path("image").asText()).as(java).isEqualTo("eclipse-temurin:17-jre");
      assertThat(services.path(java).has("healthcheck")).as(java).isTrue();
    }
    // The merge key brought the shared settings in.
    assertThat(services.at("/proxy-edge/environment/TOLLGATE_CONFIG").asText()).isEqualTo("/etc/tollgate/config/tollgate.yaml");
  }

  @Test
  void theMainClassOfEveryJavaServiceExistsInTheModuleItsClasspathComesFrom() throws IOException {
    JsonNode services = ComposeValidator.parse(text()).path("services");
    for (String name : List.of("proxy-edge", "analytics-api", "fake-provider", "clickhouse-migrate")) {
      JsonNode service = services.path(name);
      String main = service.path("command").get(3).asText();
      String lib = service.path("volumes").toString().replaceAll(".*\"([^\"]*)/target/image/lib:/opt/tollgate/lib:ro\".*", "$1");
      Path source = DIR.resolve(lib).resolve("src/main/java").resolve(main.replace('.', '/') + ".java").normalize();
      assertThat(source).as(name).isRegularFile();
    }
  }

  @Test
  void itsTollgateYamlIsAValidConfigurationForEveryService(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
    String yaml = Files.readString(DIR.resolve("tollgate.yaml"));
    ConfigSource source = ConfigSource.parse("compose/tollgate.yaml", yaml, Map.of(
        "TOLLGATE_EDGE_KEY_FINGERPRINT_SECRET_FILE", DIR.resolve("secrets/edge-hmac-secret.example").toString(),
        "TOLLGATE_ANALYTICS_TOKENS_FILE", DIR.resolve("secrets/analytics-tokens.yaml.example").toString()));

    assertThat(EdgeConfig.from(source).kafkaBootstrapServers()).isEqualTo("kafka:9092");
    assertThat(AttributionConfig.from(source).checkpointUri()).isEqualTo("file:///flink-data/checkpoints");
    assertThat(AnalyticsConfig.from(source).tokens()).hasSize(1);
    assertThat(yaml).contains("/run/secrets/edge_hmac_secret", "/run/secrets/analytics_tokens");
  }

  @Test
  void rejectsAMisspeltServiceField() throws IOException {
    assertThat(problems(text(), c -> service(c, "proxy-edge").set("healtcheck", service(c, "proxy-edge").remove("healthcheck"))))
        .contains("services.proxy-edge: unknown field healtcheck", "services.proxy-edge: a long-running service without a healthcheck");
  }

  @Test
  void rejectsADependencyOnAMissingServiceOrAnUnhealthyOne() throws IOException {
    assertThat(problems(text(), c -> {
      ((ObjectNode) service(c, "analytics-api").path("depends_on")).putObject("clickhose").put("condition", "service_healthy");
      ((ObjectNode) service(c, "proxy-edge").path("depends_on")).putObject("kafka-topics").put("condition", "service_healthy");
    })).containsExactlyInAnyOrder(
        "services.analytics-api.depends_on: clickhose is not a service",
        "services.proxy-edge.depends_on.kafka-topics: waits for it to be healthy, but it has no healthcheck");
  }

  @Test
  void rejectsUndeclaredVolumesNetworksSecretsAndMissingBindSources() throws IOException {
    assertThat(problems(text(), c -> {
      ((ArrayNode) service(c, "kafka").path("volumes")).add("kafka-dat:/x");
      ((ArrayNode) service(c, "kafka").path("volumes")).add("./nothing-here:/y:ro");
      ((ArrayNode) service(c, "kafka").path("networks")).add("tolgate");
      ((ArrayNode) service(c, "proxy-edge").path("secrets")).add("hmac");
    })).containsExactlyInAnyOrder(
        "services.kafka.volumes: kafka-dat is not declared under volumes",
        "services.kafka.volumes: ./nothing-here does not exist (and is not build output of a module)",
        "services.kafka.networks: tolgate is not declared under networks",
        "services.proxy-edge.secrets: hmac is not declared under secrets");
  }

  @Test
  void rejectsAnUnpinnedImageAndAnUndefinedVariable() throws IOException {
    String text = text() + "\n# ${TOLLGATE_UNDEFINED}\n";
    assertThat(problems(text, c -> service(c, "clickhouse").put("image", "clickhouse/clickhouse-server")))
        .containsExactlyInAnyOrder(
            "${TOLLGATE_UNDEFINED} is not defined in .env.example",
            "services.clickhouse: image clickhouse/clickhouse-server (expected: pinned to a version tag)");
  }
}
