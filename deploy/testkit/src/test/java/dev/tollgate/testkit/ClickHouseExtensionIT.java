package dev.tollgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import dev.tollgate.clickhouse.Migrations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ClickHouseExtensionIT {

    @RegisterExtension
    static final ClickHouseExtension clickhouse = new ClickHouseExtension();

    @Test
    void givesTheClassItsOwnDatabaseWithEveryMigrationApplied() {
        SeenDatabases.record(ClickHouseExtensionIT.class, clickhouse);

        assertThat(clickhouse.database()).startsWith("t_clickhouseextensionit_");
        assertThat(clickhouse.queryLong("SELECT count() FROM schema_migrations FINAL"))
                .isEqualTo(Migrations.load().size());
        assertThat(clickhouse.queryLong("SELECT count() FROM invocations")).isZero();
        assertThat(clickhouse.queryRows("SELECT currentDatabase()")).containsExactly(List.of(clickhouse.database()));
    }

    @Test
    void executesStatementsAndReadsRowsInTheClassDatabase() {
        clickhouse.execute("CREATE TABLE kv (k String, v Nullable(UInt32)) ENGINE = MergeTree ORDER BY k");
        clickhouse.execute("INSERT INTO kv VALUES ('a', 1), ('b', NULL)");

        assertThat(clickhouse.queryRows("SELECT k, v FROM kv ORDER BY k"))
                .containsExactly(List.of("a", "1"), Arrays.asList("b", null));
        assertThat(clickhouse.queryLong("SELECT count() FROM system.tables WHERE database = '"
                + clickhouse.database() + "' AND name = 'kv'")).isEqualTo(1);
    }

    @Test
    void sharesOneServerButNotTheDatabaseWithOtherClasses() {
        SeenDatabases.record(ClickHouseExtensionIT.class, clickhouse);
        SeenDatabases.DATABASES.forEach((testClass, database) -> {
            if (!testClass.equals(ClickHouseExtensionIT.class.getName())) {
                assertThat(database).isNotEqualTo(clickhouse.database());
            }
        });
        assertThat(SeenDatabases.SERVERS.values()).containsOnly(clickhouse.httpUrl());
    }
}
