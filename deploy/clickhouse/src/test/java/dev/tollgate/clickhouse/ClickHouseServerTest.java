package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClickHouseServerTest {

    @TempDir
    Path dir;

    @Test
    void writesAConfigListeningOnLoopbackWithPathsUnderTheDirectory() throws Exception {
        Path config = ClickHouseServer.writeConfig(dir, 18123, 19000);

        String xml = Files.readString(config);
        assertThat(config).isEqualTo(dir.toAbsolutePath().resolve("config.xml"));
        assertThat(xml).startsWith("<?xml").contains("<yandex>")
                .contains("<listen_host>127.0.0.1</listen_host>")
                .contains("<http_port>18123</http_port>", "<tcp_port>19000</tcp_port>")
                .contains("<path>" + dir.toAbsolutePath() + "/data/</path>")
                .doesNotContain("interserver_http_port");
        assertThat(Files.readString(dir.resolve("users.xml")))
                .contains("<allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>")
                .contains("<ip>127.0.0.1</ip>", "<ip>::1</ip>");
        assertThat(dir.resolve("log")).isDirectory();
    }

    @Test
    void rejectsPortsThatAreNotReal() {
        assertThatThrownBy(() -> ClickHouseServer.writeConfig(dir, 0, 9000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("httpPort: 0 (expected: 1..65535)");
    }
}
