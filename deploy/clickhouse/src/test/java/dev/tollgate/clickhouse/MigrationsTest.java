package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

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
}
