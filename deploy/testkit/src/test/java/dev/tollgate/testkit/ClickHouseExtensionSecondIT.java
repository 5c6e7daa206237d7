package dev.tollgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A second class using the extension in the same JVM: it must get a server and a database too. */
class ClickHouseExtensionSecondIT {

    @RegisterExtension
    static final ClickHouseExtension clickhouse = new ClickHouseExtension();

    @Test
    void sharesOneServerButNotTheDatabaseWithOtherClasses() {
        SeenDatabases.record(ClickHouseExtensionSecondIT.class, clickhouse);
        SeenDatabases.DATABASES.forEach((testClass, database) -> {
            if (!testClass.equals(ClickHouseExtensionSecondIT.class.getName())) {
                assertThat(database).isNotEqualTo(clickhouse.database());
            }
        });
        assertThat(SeenDatabases.SERVERS.values()).containsOnly(clickhouse.httpUrl());
        assertThat(clickhouse.database()).startsWith("t_clickhouseextensionsecondit_");
    }

    @Test
    void doesNotSeeTablesOfOtherClasses() {
        assertThat(clickhouse.queryLong("SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'kv'"))
                .isZero();
    }
}
