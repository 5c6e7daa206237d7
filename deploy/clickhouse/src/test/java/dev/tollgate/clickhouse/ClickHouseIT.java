package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import com.clickhouse.client.api.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClickHouseIT {

    @TempDir
    static Path dir;

    static ClickHouseServer server;
    static Client admin;

    @BeforeAll
    static void startServer() {
        assertThat(ClickHouseServer.installed()).as("clickhouse-server installed (apt-get install -y clickhouse-server)").isTrue();
        server = ClickHouseServer.start(dir, 0, 0);
        admin = ClickHouseClients.create(server.httpUrl(), "default", "", "default");
    }

    @AfterAll
    static void stopServer() {
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void appliesEveryMigrationOnceAndNothingTheSecondTime() {
        List<String> names = Migrations.load().stream().map(Migrations.Migration::name).toList();
        assertThat(names).isNotEmpty().startsWith("001_invocations.sql").isSorted();

        assertThat(Migrations.apply(admin, "mig_twice")).containsExactlyElementsOf(names);
        assertThat(Migrations.apply(admin, "mig_twice")).isEmpty();

        assertThat(ClickHouseClients.queryLong(admin,
                "SELECT count() FROM system.tables WHERE database = 'mig_twice' AND name = 'invocations'")).isEqualTo(1);
        assertThat(ClickHouseClients.queryLong(admin, "SELECT count() FROM mig_twice.schema_migrations FINAL"))
                .isEqualTo(names.size());
        assertThat(ClickHouseClients.queryLong(admin,
                "SELECT count() FROM system.tables WHERE database = 'default' AND name = 'invocations'"))
                .as("unqualified tables in the files land in the target database, not the default one").isZero();
    }

    @Test
    void everyMigrationStatementRunsOnThisServer() {
        // Each file alone, in order, against a fresh database: a failing statement names its file.
        List<Migrations.Migration> all = Migrations.load();
        for (int i = 0; i < all.size(); i++) {
            String database = "mig_each_" + i;
            assertThat(Migrations.apply(admin, database, all.subList(0, i + 1)))
                    .as(all.get(i).name()).hasSize(i + 1);
        }
    }

    @Test
    void aColumnAddedAlreadyCountsAsAddedAndAnyOtherFailureStillFails() {
        Migrations.apply(admin, "mig_rerun");
        // A runner that stopped after 004's ALTER but before recording it: the next run applies 004 again.
        Migrations.Migration addColumn = Migrations.load().stream()
                .filter(m -> m.name().equals("004_invocation_batch.sql")).findFirst().orElseThrow();
        assertThat(Migrations.apply(admin, "mig_rerun", List.of(new Migrations.Migration("005_again.sql", addColumn.sql()))))
                .containsExactly("005_again.sql");
        assertThat(ClickHouseClients.queryLong(admin, "SELECT count() FROM system.columns WHERE database = 'mig_rerun'"
                + " AND table = 'invocations' AND name = 'batch_id'")).isEqualTo(1);

        assertThatThrownBy(() -> Migrations.apply(admin, "mig_rerun", List.of(new Migrations.Migration("006_bad.sql",
                "ALTER TABLE invocations ADD COLUMN batch_id2 NoSuchType DEFAULT ''")))).hasMessageContaining("NoSuchType");
    }

    @Test
    void clientDefaultDatabaseResolvesUnqualifiedNamesAndRowsRoundTrip() {
        Migrations.apply(admin, "mig_client");
        try (Client client = ClickHouseClients.create(server.httpUrl(), "default", "", "mig_client")) {
            ClickHouseClients.execute(client, "CREATE TABLE t (k String, v Nullable(Int64)) ENGINE = MergeTree ORDER BY k");
            ClickHouseClients.execute(client, "INSERT INTO t VALUES (" + ClickHouseClients.quoteString("a\tb\n'c'\\")
                    + ", 1), ('z', NULL)");
            assertThat(ClickHouseClients.queryRows(client, "SELECT k, v FROM t ORDER BY k"))
                    .containsExactly(List.of("a\tb\n'c'\\", "1"), Arrays.asList("z", null));
            assertThat(ClickHouseClients.queryLong(client, "SELECT count() FROM invocations")).isZero();
            assertThat(ClickHouseClients.queryLong(admin, "SELECT count() FROM mig_client.t;")).isEqualTo(2);
        }
    }

    @Test
    void commandLineAppliesMigrationsToTheNamedDatabase() {
        Migrations.main(new String[] {"--url", server.httpUrl(), "--user", "default", "--password", "",
                "--database", "mig_cli"});

        assertThat(ClickHouseClients.queryLong(admin,
                "SELECT count() FROM system.tables WHERE database = 'mig_cli' AND name = 'invocations'")).isEqualTo(1);
    }

    @Test
    void failedStatementsReportTheServerError() {
        assertThatThrownBy(() -> ClickHouseClients.execute(admin, "SELECT * FROM no_such_table"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no_such_table");
    }

    @Test
    void writesAConfigTheServerBinaryAccepts() throws Exception {
        assertThat(server.dir().resolve("config.xml")).exists();
        String users = Files.readString(server.dir().resolve("users.xml"));
        assertThat(users).contains("<allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>");
        assertThat(ClickHouseClients.queryRows(admin, "SELECT value FROM system.settings WHERE name = 'allow_experimental_low_cardinality_type'"))
                .containsExactly(List.of("1"));
        assertThat(ClickHouseClients.queryRows(admin, "SELECT timezone()").get(0).get(0)).endsWith("UTC");
    }
}
