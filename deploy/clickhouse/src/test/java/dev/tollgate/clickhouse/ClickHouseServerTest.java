package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    @Test
    void writesAClusterMemberConfigWithRemoteServersZooKeeperAndMacros() throws Exception {
        var cluster = new ClickHouseServer.Cluster("tollgate", List.of(List.of(19001, 19002)), "127.0.0.1:2181",
                "01", "replica-2", 19012);

        ClickHouseServer.writeConfig(dir, 18123, 19002, cluster);

        String xml = Files.readString(dir.resolve("config.xml"));
        assertThat(xml).contains("<interserver_http_port>19012</interserver_http_port>")
                .contains("<tollgate>", "<internal_replication>true</internal_replication>")
                .contains("<replica><host>127.0.0.1</host><port>19001</port></replica>",
                        "<replica><host>127.0.0.1</host><port>19002</port></replica>")
                .contains("<node><host>127.0.0.1</host><port>2181</port></node>")
                .contains("<shard>01</shard>", "<replica>replica-2</replica>", "<cluster>tollgate</cluster>")
                .contains("<distributed_ddl>")
                .endsWith("</yandex>\n");
        assertThat(Files.readString(dir.resolve("users.xml")))
                .contains("<insert_distributed_sync>1</insert_distributed_sync>",
                        "<distributed_product_mode>global</distributed_product_mode>");
    }

    @Test
    void rejectsAClusterWithoutReplicasOrWithABadMacro() {
        assertThatThrownBy(() -> new ClickHouseServer.Cluster("tollgate", List.of(List.of()), "127.0.0.1:2181", "01", "r1", 19012))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("shards: ");
        assertThatThrownBy(() -> new ClickHouseServer.Cluster("tollgate", List.of(List.of(9000)), "127.0.0.1:2181", "01", "r/1", 19012))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("replica: 'r/1' (expected: [A-Za-z0-9_-]{1,64})");
        assertThatThrownBy(() -> new ClickHouseServer.Cluster("tollgate", List.of(List.of(9000)), "zk", "01", "r1", 19012))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("zookeeper: 'zk' (expected: host:port)");
    }
}
