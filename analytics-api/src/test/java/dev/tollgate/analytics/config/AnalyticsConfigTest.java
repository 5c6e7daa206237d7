package dev.tollgate.analytics.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyticsConfigTest {

  private static final String SHA_A = "a".repeat(64);
  private static final String SHA_B = "B".repeat(64);

  @TempDir
  Path dir;

  @Test
  void readsDefaultsAndInlineTokens() {
    AnalyticsConfig config = load("""
        analytics:
          tokens:
            - {name: ops, sha256: %s, tenant: acme}
            - {name: search, sha256: %s, tenant: acme, teams: [search, ads]}
        """.formatted(SHA_A, SHA_B), Map.of());

    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(8081);
    assertThat(config.maxRows()).isEqualTo(10_000);
    assertThat(config.queryTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.clickhouseUrl()).hasToString("http://127.0.0.1:8123");
    assertThat(config.database()).isEqualTo("tollgate");
    assertThat(config.readRollups()).isTrue();
    assertThat(load("analytics: {read_rollups: false, tokens: [{name: a, sha256: %s, tenant: t}]}".formatted(SHA_A), Map.of())
        .readRollups()).isFalse();
    assertThat(config.tokens()).containsExactly(
        new ApiToken("ops", SHA_A, "acme", Set.of()),
        new ApiToken("search", SHA_B.toLowerCase(), "acme", Set.of("search", "ads")));
  }

  @Test
  void readsTokensFileAndEnvironmentOverrides() throws IOException {
    Path file = dir.resolve("tokens.yaml");
    Files.writeString(file, "tokens:\n  - name: local\n    sha256: " + SHA_A + "\n    tenant: default\n");

    AnalyticsConfig config = load("""
        clickhouse: {url: "http://127.0.0.1:8123", database: tollgate, user: default, password: ""}
        analytics:
          port: 8081
          tokens_file: %s
          max_rows: 50
          query_timeout: 3s
        """.formatted(file), Map.of("TOLLGATE_ANALYTICS_PORT", "9999", "TOLLGATE_CLICKHOUSE_DATABASE", "other"));

    assertThat(config.port()).isEqualTo(9999);
    assertThat(config.database()).isEqualTo("other");
    assertThat(config.maxRows()).isEqualTo(50);
    assertThat(config.queryTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.tokens()).extracting(ApiToken::name).containsExactly("local");
  }

  @Test
  void readsTheSharedDeploymentFileWhenItsTokensFileExists() throws IOException {
    String yaml = Files.readString(Path.of("../deploy/local/tollgate.yaml"));
    Path tokens = dir.resolve("analytics-tokens.yaml");
    Files.writeString(tokens, "tokens:\n  - {name: local, sha256: " + SHA_A + ", tenant: default}\n");

    AnalyticsConfig config = load(yaml, Map.of("TOLLGATE_ANALYTICS_TOKENS_FILE", tokens.toString()));

    assertThat(config.port()).isEqualTo(8081);
    assertThat(config.tokens()).hasSize(1);
  }

  @Test
  void reportsEveryProblemAtOnceNamingTheMissingTokensFile() {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> load("""
        clickhouse: {database: "x;drop"}
        analytics:
          prot: 8081
          max_rows: 0
          tokens_file: %s
          tokens:
            - {name: a, sha256: short, tenant: ""}
            - {name: b, sha256: %s, tenant: acme, team: [x]}
        """.formatted(missing, SHA_A), Map.of()))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).anySatisfy(p -> assertThat(p).contains("analytics.prot: unknown key"))
            .anySatisfy(p -> assertThat(p).contains("analytics.max_rows"))
            .anySatisfy(p -> assertThat(p).contains(missing.toString()).contains("does not exist"))
            .anySatisfy(p -> assertThat(p).contains("analytics.tokens[0].sha256"))
            .anySatisfy(p -> assertThat(p).contains("analytics.tokens[0].tenant"))
            .anySatisfy(p -> assertThat(p).contains("analytics.tokens[1].team: unknown key"))
            .anySatisfy(p -> assertThat(p).contains("clickhouse.database")));
  }

  @Test
  void refusesAConfigurationWithoutTokens() {
    assertThatThrownBy(() -> load("analytics: {port: 8081}", Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no tokens configured");
  }

  @Test
  void keepsSecretsOutOfToString() {
    AnalyticsConfig config = load("clickhouse: {password: hunter2}\nanalytics:\n  tokens: [{name: a, sha256: " + SHA_A + ", tenant: t}]",
        Map.of());

    assertThat(config.toString()).doesNotContain("hunter2").doesNotContain(SHA_A);
  }

  private static AnalyticsConfig load(String yaml, Map<String, String> env) {
    return AnalyticsConfig.from(ConfigSource.parse("test.yaml", yaml, env));
  }
}
