package dev.tollgate.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ClickHouseClientsTest {

    @Test
    void parsesTabSeparatedWithEscapesAndNulls() {
        String body = "a\\tb\t\\N\t1\nline\\nbreak\tback\\\\slash\t\\'q\\'\n";

        assertThat(ClickHouseClients.parseTabSeparated(body)).containsExactly(
                Arrays.asList("a\tb", null, "1"),
                List.of("line\nbreak", "back\\slash", "'q'"));
    }

    @Test
    void parsesAnEmptyResultAsNoRows() {
        assertThat(ClickHouseClients.parseTabSeparated("")).isEmpty();
    }

    @Test
    void keepsEmptyStringsApartFromNulls() {
        assertThat(ClickHouseClients.parseTabSeparated("\t\\N\n")).containsExactly(Arrays.asList("", null));
    }

    @Test
    void quotesStringLiteralsSoTheyCannotEndEarly() {
        assertThat(ClickHouseClients.quoteString("it's a \\ test\n")).isEqualTo("'it\\'s a \\\\ test\\n'");
    }

    @Test
    void acceptsOnlyPlainIdentifiers() {
        assertThat(ClickHouseClients.quoteIdentifier("t_abc_12")).isEqualTo("`t_abc_12`");
        assertThatThrownBy(() -> ClickHouseClients.quoteIdentifier("a`; DROP"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a`; DROP");
        assertThatThrownBy(() -> ClickHouseClients.create("http://127.0.0.1:1", "default", "", "bad-name"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database: 'bad-name'");
    }
}
