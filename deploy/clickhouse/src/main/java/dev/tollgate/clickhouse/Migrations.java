package dev.tollgate.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.clickhouse.client.api.Client;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the schema migrations shipped as classpath resources under {@code clickhouse/migrations/}
 * (listed by the build-generated {@code index.txt}) to one database, each at most once.
 *
 * <p>Not safe to run concurrently against the same database from several processes: two runners
 * could both apply a migration (the DDL files use IF NOT EXISTS, so that is harmless for them).
 */
public final class Migrations {

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    static final String RESOURCE_DIR = "clickhouse/migrations/";
    private static final String INDEX = RESOURCE_DIR + "index.txt";
    private static final Pattern NAME = Pattern.compile("\\d{3}_[A-Za-z0-9_]+\\.sql");
    // A statement ends with ';' at the end of a line; ';' inside a line (in a string) does not split.
    private static final Pattern STATEMENT_END = Pattern.compile(";[ \\t]*(\\r?\\n|$)");

    private Migrations() {
    }

    /** One migration file: its name ({@code NNN_what.sql}) and its SQL text. */
    public record Migration(String name, String sql) {

        public Migration {
            requireNonNull(name, "name");
            requireNonNull(sql, "sql");
        }

        /** The statements of this file, comment-only pieces dropped, without trailing ';'. */
        public List<String> statements() {
            return splitStatements(sql);
        }

        String checksum() {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(sql.getBytes(UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is not available", e);
            }
        }
    }

    /**
     * Creates {@code database} if needed and applies, in name order, every migration not yet
     * recorded in its {@code schema_migrations} table. Returns the names applied (empty when the
     * schema is up to date). The client's own default database must already exist: build it for
     * {@code "default"}, not for {@code database}.
     */
    public static List<String> apply(Client client, String database) {
        return apply(client, database, load());
    }

    static List<String> apply(Client client, String database, List<Migration> migrations) {
        requireNonNull(client, "client");
        requireNonNull(migrations, "migrations");
        String db = ClickHouseClients.quoteIdentifier(database);
        ClickHouseClients.execute(client, "CREATE DATABASE IF NOT EXISTS " + db);
        // ReplacingMergeTree keyed by name: recording a migration twice still reads back once.
        ClickHouseClients.execute(client, "CREATE TABLE IF NOT EXISTS " + db + ".schema_migrations ("
                + "name String, checksum String, applied_at DateTime('UTC')"
                + ") ENGINE = ReplacingMergeTree(applied_at) ORDER BY name");
        Map<String, String> applied = new HashMap<>();
        for (List<String> row : ClickHouseClients.queryRows(client,
                "SELECT name, any(checksum) FROM " + db + ".schema_migrations GROUP BY name")) {
            applied.put(row.get(0), row.get(1));
        }
        List<String> done = new ArrayList<>();
        for (Migration migration : migrations) {
            String previous = applied.get(migration.name());
            if (previous != null) {
                if (!previous.equals(migration.checksum())) {
                    LOG.warn("clickhouse migration changed after it was applied, not re-applying "
                            + "migration={}, database={}", migration.name(), database);
                }
                continue;
            }
            for (String statement : migration.statements()) {
                ClickHouseClients.execute(client, database, statement);
            }
            ClickHouseClients.execute(client, "INSERT INTO " + db + ".schema_migrations (name, checksum, applied_at) VALUES ("
                    + ClickHouseClients.quoteString(migration.name()) + ", "
                    + ClickHouseClients.quoteString(migration.checksum()) + ", now())");
            LOG.info("clickhouse migration applied migration={}, database={}", migration.name(), database);
            done.add(migration.name());
        }
        return List.copyOf(done);
    }

    /** The migrations on the classpath, in the order they apply. */
    public static List<Migration> load() {
        ClassLoader loader = Migrations.class.getClassLoader();
        TreeSet<String> names = new TreeSet<>();
        try (InputStream index = loader.getResourceAsStream(INDEX)) {
            if (index == null) {
                throw new IllegalStateException("no " + INDEX + " on the classpath (generated by the tollgate-clickhouse build)");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(index, UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String name = line.strip();
                if (name.isEmpty()) {
                    continue;
                }
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalStateException("migration file name: '" + name + "' (expected: NNN_name.sql)");
                }
                names.add(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + INDEX, e);
        }
        List<Migration> migrations = new ArrayList<>();
        for (String name : names) {
            try (InputStream in = loader.getResourceAsStream(RESOURCE_DIR + name)) {
                if (in == null) {
                    throw new IllegalStateException("migration listed in " + INDEX + " but missing: " + name);
                }
                migrations.add(new Migration(name, new String(in.readAllBytes(), UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read migration " + name, e);
            }
        }
        return List.copyOf(migrations);
    }

    static List<String> splitStatements(String sql) {
        List<String> statements = new ArrayList<>();
        var matcher = STATEMENT_END.matcher(sql);
        int start = 0;
        while (matcher.find()) {
            addIfNotBlank(statements, sql.substring(start, matcher.start()));
            start = matcher.end();
        }
        addIfNotBlank(statements, sql.substring(start));
        return statements;
    }

    private static void addIfNotBlank(List<String> statements, String piece) {
        for (String line : piece.split("\\R")) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("--")) {
                statements.add(piece.strip());
                return;
            }
        }
    }

    /**
     * Applies the migrations: {@code --url U [--user default] [--password P] [--database tollgate]}.
     * Prints one line per migration applied.
     */
    public static void main(String[] args) {
        String url = null;
        String user = "default";
        String password = "";
        String database = "tollgate";
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage("missing value for " + args[i]);
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--url" -> url = value;
                case "--user" -> user = value;
                case "--password" -> password = value;
                case "--database" -> database = value;
                default -> usage("unknown option " + args[i]);
            }
        }
        if (url == null) {
            usage("--url is required");
        }
        if (!ClickHouseClients.isIdentifier(database)) {
            usage("--database: '" + database + "' (expected: [A-Za-z_][A-Za-z0-9_]*)");
        }
        try (Client client = ClickHouseClients.create(url, user, password, "default")) {
            List<String> applied = apply(client, database);
            for (String name : applied) {
                System.out.println("applied " + name);
            }
            System.out.println("database " + database + " is up to date (" + applied.size() + " migrations applied)");
        } catch (RuntimeException e) {
            System.err.println("migrations failed: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        System.err.println("migrations: " + problem);
        System.err.println("usage: Migrations --url URL [--user default] [--password P] [--database tollgate]");
        System.exit(2);
    }
}
