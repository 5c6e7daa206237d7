package dev.tollgate.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdgeConfigTest {

  private static EdgeConfig parse(String yaml, Map<String, String> env) {
    return EdgeConfig.from(ConfigSource.parse("test", yaml, env));
  }

  @Test
  void appliesDefaultsAndBuiltInProviders() {
    EdgeConfig config = parse("", Map.of());

    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.adminPort()).isEqualTo(8090);
    assertThat(config.defaultTenant()).isEqualTo("default");
    assertThat(config.maxBodyBytes()).isEqualTo(32L * 1024 * 1024);
    assertThat(config.invocationsTopic()).isEqualTo("tollgate.invocations");
    assertThat(config.keyFingerprintSecretGenerated()).isTrue();
    assertThat(config.keyFingerprintSecret()).hasSize(32);
    assertThat(config.providers()).containsOnlyKeys("openai", "anthropic", "gemini", "azure");
    assertThat(config.providers().get("azure").resourceInPath()).isTrue();
    assertThat(config.providers().get("azure").protocol()).isEqualTo("openai");
    assertThat(config.providers().get("azure").baseUrlFor("contoso")).isEqualTo(URI.create("https://contoso.openai.azure.com"));
    assertThat(config.providers().get("openai").resourceInPath()).isFalse();
    assertThat(config.clientHeaderTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.clientBodyTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.maxHeaderBytes()).isEqualTo(64 * 1024);
    assertThat(config.providers().get("gemini").baseUrl()).isEqualTo(URI.create("https://generativelanguage.googleapis.com"));
    assertThat(config.providers().get("anthropic").protocol()).isEqualTo("anthropic");
  }

  @Test
  void readsTheLocalDeploymentFileWithEnvironmentOverridesAndExtraProviders() throws Exception {
    String yaml = Files.readString(Path.of("../deploy/local/tollgate.yaml"));
    EdgeConfig config = parse(yaml, Map.of(
        "TOLLGATE_EDGE_PORT", "9999",
        "TOLLGATE_PROVIDERS_OPENAI_BASE_URL", "http://127.0.0.1:7000/",
        "TOLLGATE_PROVIDERS_VLLM_BASE_URL", "http://gpu-box:8000/v1-prefix",
        "TOLLGATE_EDGE_KEY_FINGERPRINT_SECRET", "abc"));

    assertThat(config.port()).isEqualTo(9999);
    assertThat(config.providers().get("openai").baseUrl()).isEqualTo(URI.create("http://127.0.0.1:7000"));
    assertThat(config.providers().get("vllm").protocol()).isEqualTo("openai");
    assertThat(config.providers().get("vllm").baseUrl().getRawPath()).isEqualTo("/v1-prefix");
    assertThat(config.keyFingerprintSecret()).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
    assertThat(config.kafkaBootstrapServers()).isEqualTo("127.0.0.1:9092");
  }

  @Test
  void readsAnAzureBaseUrlTemplateOrAFixedAzureUrl() {
    EdgeConfig templated = parse("providers:\n  azure:\n    base_url: http://{resource}.azure.internal:8443/\n", Map.of());
    EdgeConfig fixed = parse("providers:\n  azure:\n    base_url: http://127.0.0.1:9000\n", Map.of());

    assertThat(templated.providers().get("azure").baseUrlFor("eu1")).isEqualTo(URI.create("http://eu1.azure.internal:8443"));
    assertThat(fixed.providers().get("azure").baseUrlFor("eu1")).isEqualTo(URI.create("http://127.0.0.1:9000"));
    assertThatThrownBy(() -> parse("providers:\n  azure:\n    base_url: ftp://{resource}.x\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("providers.azure.base_url");
  }

  @Test
  void readsTheSecretFromAFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("secret");
    Files.writeString(file, "from-file\n");

    EdgeConfig config = parse("edge:\n  key_fingerprint_secret_file: " + file + "\n", Map.of());

    assertThat(config.keyFingerprintSecret()).isEqualTo("from-file".getBytes(StandardCharsets.UTF_8));
    assertThat(config.keyFingerprintSecretGenerated()).isFalse();
  }

  @Test
  void readsTimeouts() {
    EdgeConfig config = parse("edge:\n  upstream_connect_timeout: 250ms\n  upstream_read_timeout: 2m\n", Map.of());

    assertThat(config.upstreamConnectTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(config.upstreamReadTimeout()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void sizesEventLoopsToTheCoresAndPacesReplayByDefault() {
    EdgeConfig defaults = parse("", Map.of());
    EdgeConfig set = parse("edge:\n  io_threads: 3\n  spool:\n    replay_rate: 0\n", Map.of());

    assertThat(defaults.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(defaults.spoolReplayRate()).isEqualTo(10_000);
    assertThat(set.ioThreads()).isEqualTo(3);
    assertThat(set.spoolReplayRate()).isZero();
    assertThatThrownBy(() -> parse("edge:\n  spool:\n    replay_rate: -1\n", Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("edge.spool.replay_rate");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    String yaml = """
        edge:
          port: 70000
          max_body_bytes: -1
          prot: 1
          key_fingerprint_secret_file: /does/not/exist
        providers:
          openai:
            protocol: grpc
          mine:
            base_url: ftp://x
        """;

    assertThatThrownBy(() -> parse(yaml, Map.of()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
            .anyMatch(p -> p.startsWith("edge.port: 70000"))
            .anyMatch(p -> p.startsWith("edge.max_body_bytes: -1"))
            .anyMatch(p -> p.startsWith("edge.prot: unknown key"))
            .anyMatch(p -> p.startsWith("edge.key_fingerprint_secret_file"))
            .anyMatch(p -> p.startsWith("providers.openai.protocol: grpc"))
            .anyMatch(p -> p.startsWith("providers.mine.base_url: ftp://x")));
  }
}
