package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {

  private static final String YAML = """
      edge:
        port: 8080
        host: 127.0.0.1
      providers:
        openai:
          base_url: https://api.openai.com
          protocol: openai
        vllm:
          base_url: http://10.0.0.1:8000/
          protocol: openai
      job:
        checkpoint_interval: 2s
        hosts: [a, b]
      """;

  private static ConfigReader reader(Map<String, String> env) {
    return new ConfigReader(ConfigSource.parse("test.yaml", YAML, env));
  }

  @Test
  void readsTypedValuesFromYaml() {
    ConfigReader r = reader(Map.of());
    assertThat(r.port("edge.port", 1)).isEqualTo(8080);
    assertThat(r.string("edge.host", "x")).isEqualTo("127.0.0.1");
    assertThat(r.duration("job.checkpoint_interval", Duration.ofDays(1))).isEqualTo(Duration.ofSeconds(2));
    assertThat(r.stringList("job.hosts", List.of())).containsExactly("a", "b");
    r.validate();
  }

  @Test
  void environmentVariableOverridesTheFileByOneRule() {
    ConfigReader r = reader(Map.of(
        "TOLLGATE_PROVIDERS_OPENAI_BASE_URL", "http://127.0.0.1:9999",
        "TOLLGATE_EDGE_PORT", "18080",
        "TOLLGATE_JOB_HOSTS", "x, y"));
    assertThat(r.httpUrl("providers.openai.base_url", null)).hasToString("http://127.0.0.1:9999");
    assertThat(r.port("edge.port", 1)).isEqualTo(18080);
    assertThat(r.stringList("job.hosts", List.of())).containsExactly("x", "y");
  }

  @Test
  void dashesAndDotsBecomeUnderscores() {
    assertThat(ConfigSource.envName("providers.my-gateway.base_url"))
        .isEqualTo("TOLLGATE_PROVIDERS_MY_GATEWAY_BASE_URL");
  }

  @Test
  void defaultsApplyWhenAKeyIsAbsent() {
    ConfigReader r = reader(Map.of());
    assertThat(r.integer("edge.workers", 4, 1, 64)).isEqualTo(4);
    assertThat(r.bool("edge.strict", true)).isTrue();
  }

  @Test
  void stripsTheTrailingSlashOfAUrl() {
    assertThat(reader(Map.of()).httpUrl("providers.vllm.base_url", null)).hasToString("http://10.0.0.1:8000");
  }

  @Test
  void listsMapEntriesFromTheFileAndFromTheEnvironment() {
    ConfigReader r = reader(Map.of("TOLLGATE_PROVIDERS_TOGETHER_BASE_URL", "https://api.together.xyz"));
    assertThat(r.childNames("providers", "base_url")).containsExactly("openai", "vllm", "together");
  }

  @Test
  void reportsEveryProblemAtOnce() {
    ConfigReader r = reader(Map.of("TOLLGATE_EDGE_PORT", "70000", "TOLLGATE_EDGE_HOST", ""));
    r.port("edge.port", 1);
    r.duration("edge.idle", Duration.ofSeconds(1));
    r.requiredString("edge.secret");
    r.httpUrl("providers.openai.base_url", null);
    r.oneOf("providers.openai.protocol", "openai", java.util.Set.of("anthropic"));
    assertThatThrownBy(r::validate)
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "edge.port: 70000 (expected: 1 to 65535)",
            "edge.secret: missing (expected: a non-empty value, or env TOLLGATE_EDGE_SECRET)",
            "providers.openai.protocol: openai (expected one of: anthropic)"))
        .hasMessageContaining("test.yaml");
  }

  @Test
  void rejectsMalformedValuesWithTheValueAndWhatWasExpected() {
    ConfigReader r = reader(Map.of("TOLLGATE_JOB_CHECKPOINT_INTERVAL", "soon", "TOLLGATE_EDGE_STRICT", "maybe"));
    r.duration("job.checkpoint_interval", Duration.ofSeconds(1));
    r.bool("edge.strict", false);
    r.httpUrl("edge.upstream", "ftp://x");
    assertThatThrownBy(r::validate).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
        .containsExactly(
            "job.checkpoint_interval: soon (expected: a duration such as 250ms, 30s, 5m, 24h, 7d)",
            "edge.strict: maybe (expected: true or false)",
            "edge.upstream: ftp://x (expected: an http:// or https:// URL with a host)"));
  }

  @Test
  void flagsUnknownKeysAsTypos() {
    ConfigReader r = new ConfigReader(ConfigSource.parse("t.yaml", "edge:\n  port: 1\n  prot: 2\n", Map.of()));
    r.port("edge.port", 1);
    r.rejectUnknownKeys("edge");
    assertThatThrownBy(r::validate).isInstanceOfSatisfying(ConfigException.class,
        e -> assertThat(e.problems()).containsExactly("edge.prot: unknown key"));
  }

  @Test
  void rejectsAFileThatIsNotYaml(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "edge: [unclosed\n");
    assertThatThrownBy(() -> ConfigSource.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void namesAMissingFile(@TempDir Path dir) {
    assertThatThrownBy(() -> ConfigSource.load(dir.resolve("nope.yaml"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("nope.yaml");
  }

  @Test
  void configFlagWinsOverTheEnvironmentVariable(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("a.yaml");
    Files.writeString(file, "edge:\n  port: 1234\n");
    ConfigSource source = ConfigSource.fromArgs(new String[] {"--config", file.toString()});
    assertThat(source.origin()).isEqualTo(file.toString());
  }
}
