package dev.tollgate.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackTest {

  @Test
  void theShippedLocalConfigurationIsValid() {
    LocalSettings s = LocalSettings.from(ConfigSource.load(Path.of("tollgate.yaml"), Map.of()));
    assertThat(s.shellVariables()).containsEntry("TG_EDGE_PORT", "8080")
        .containsEntry("TG_ANALYTICS_PORT", "8081")
        .containsEntry("TG_KAFKA_PORT", "9092")
        .containsEntry("TG_CLICKHOUSE_HTTP_PORT", "8123");
  }

  @Test
  void portsFollowTheEnvironmentOverrides() {
    LocalSettings s = LocalSettings.from(ConfigSource.load(Path.of("tollgate.yaml"), Map.of(
        "TOLLGATE_EDGE_PORT", "18080",
        "TOLLGATE_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092",
        "TOLLGATE_CLICKHOUSE_URL", "http://127.0.0.1:18123")));
    assertThat(s.shellVariables()).containsEntry("TG_EDGE_PORT", "18080")
        .containsEntry("TG_KAFKA_PORT", "19092")
        .containsEntry("TG_CLICKHOUSE_HTTP_PORT", "18123");
  }

  @Test
  void theKeySecretIsCreatedWhereTheEdgeReadsItWhateverTheDataDirectory() {
    LocalSettings shipped = LocalSettings.from(ConfigSource.load(Path.of("tollgate.yaml"), Map.of(
        "TOLLGATE_DATA_DIR", "/var/lib/tollgate")));
    assertThat(shipped.dataDir()).isEqualTo(Path.of("/var/lib/tollgate"));
    assertThat(shipped.edgeSecretFile()).isEqualTo(Path.of(".tollgate/edge-hmac-secret"));

    // The edge reads no file it is not told of: none is created.
    LocalSettings unnamed = LocalSettings.from(ConfigSource.parse("t.yaml", "data_dir: /var/lib/tollgate\n", Map.of()));
    assertThat(unnamed.edgeSecretFile()).isNull();
  }

  @Test
  void reportsABadBootstrapAddress() {
    assertThatThrownBy(() -> LocalSettings.from(ConfigSource.parse("t.yaml",
            "kafka:\n  bootstrap_servers: nowhere\n", Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("kafka.bootstrap_servers: nowhere (expected: host:port");
  }

  @Test
  void analyticsTokenIsCreatedOnceAndOnlyItsHashIsShared(@TempDir Path dir) throws Exception {
    Path tokenFile = dir.resolve("analytics-token");
    Path tokensFile = dir.resolve("analytics-tokens.yaml");

    String token = LocalStack.ensureAnalyticsToken(tokenFile, tokensFile);
    String again = LocalStack.ensureAnalyticsToken(tokenFile, tokensFile);

    assertThat(again).isEqualTo(token).startsWith("tg_").hasSize(3 + 48);
    assertThat(Files.getPosixFilePermissions(tokenFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String shared = Files.readString(tokensFile);
    assertThat(shared).contains("sha256: " + LocalStack.sha256Hex(token)).doesNotContain(token);
  }

  @Test
  void sha256IsHex() {
    assertThat(LocalStack.sha256Hex("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
