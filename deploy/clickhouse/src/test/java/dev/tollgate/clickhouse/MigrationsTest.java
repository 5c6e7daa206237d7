package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void splitsOnSemicolonsAtLineEndsOnly() {
        String sql = """
                -- header comment
                CREATE TABLE a (s String DEFAULT 'x;y') ENGINE = MergeTree ORDER BY s;
                CREATE TABLE b (n UInt8) ENGINE = MergeTree ORDER BY n ;\s
                -- trailing comment only
                """;

        assertThat(Migrations.splitStatements(sql)).containsExactly(
                "-- header comment\nCREATE TABLE a (s String DEFAULT 'x;y') ENGINE = MergeTree ORDER BY s",
                "CREATE TABLE b (n UInt8) ENGINE = MergeTree ORDER BY n");
    }

    @Test
    void keepsALastStatementWithoutSemicolon() {
        assertThat(Migrations.splitStatements("SELECT 1;\r\nSELECT 2\n")).containsExactly("SELECT 1", "SELECT 2");
    }

    @Test
    void loadsEveryShippedMigrationInNameOrderFromTheGeneratedIndex() {
        List<Migrations.Migration> migrations = Migrations.load();

        assertThat(migrations).extracting(Migrations.Migration::name)
                .startsWith("001_invocations.sql")
                .isSorted()
                .allMatch(name -> name.matches("\\d{3}_[A-Za-z0-9_]+\\.sql"));
        assertThat(migrations).allSatisfy(m -> assertThat(m.statements()).isNotEmpty());
        assertThat(migrations.get(0).statements()).singleElement().asString().contains("CREATE TABLE IF NOT EXISTS invocations");
    }

    @Test
    void clusterVariantHasExactlyTheSingleNodeMigrationNames() {
        // A new migration must be written twice: for a single server and for a cluster.
        assertThat(Migrations.loadCluster()).extracting(Migrations.Migration::name)
                .containsExactlyElementsOf(Migrations.load().stream().map(Migrations.Migration::name).toList());
    }

    @Test
    void everyClusterStatementRunsOnTheWholeClusterWithReplicatedOrDistributedTables() {
        for (Migrations.Migration migration : Migrations.loadCluster()) {
            for (String statement : migration.statements()) {
                assertThat(statement).as(migration.name()).contains("ON CLUSTER ${cluster}");
                if (statement.contains("CREATE TABLE")) {
                    assertThat(statement).as(migration.name())
                            .containsAnyOf("ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/",
                                    "ENGINE = Distributed(${cluster}, ${database}, ");
                }
            }
        }
    }

    @Test
    void rendersTheClusterAndDatabasePlaceholdersAsQuotedIdentifiers() {
        assertThat(Migrations.render("CREATE TABLE t ON CLUSTER ${cluster} AS ${database}.t_local "
                + "ENGINE = Distributed(${cluster}, ${database}, t_local, rand())", "tollgate", "db1"))
                .isEqualTo("CREATE TABLE t ON CLUSTER `tollgate` AS `db1`.t_local "
                        + "ENGINE = Distributed(`tollgate`, `db1`, t_local, rand())");
    }

    @Test
    void refusesAnUnknownPlaceholderOrANameThatIsNotAnIdentifier() {
        assertThatThrownBy(() -> Migrations.render("SELECT ${shard}", "tollgate", "db1"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("unknown placeholder");
        assertThatThrownBy(() -> Migrations.render("SELECT 1", "tollgate; DROP", "db1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
