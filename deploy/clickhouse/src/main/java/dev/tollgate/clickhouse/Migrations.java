package dev.tollgate.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the schema migrations shipped as classpath resources under {@code clickhouse/migrations/}
 * (listed by the build-generated {@code index.txt}) to one database, each at most once.
 *
 * <p>Two variants with the same file names: the single-node schema ({@code deploy/clickhouse/migrations},
 * {@link #apply(Client, String)}) and the cluster schema ({@code deploy/clickhouse/migrations-cluster},
 * {@link #apply(Client, String, String)} with a cluster name, i.e. {@code clickhouse.cluster} set):
 * {@code Replicated*MergeTree} tables named {@code <table>_local} on every node and {@code Distributed}
 * tables under the single-node names, created with {@code ON CLUSTER}. In cluster files the runner
 * replaces {@value #CLUSTER_PLACEHOLDER} and {@value #DATABASE_PLACEHOLDER} (checked identifiers);
 * ClickHouse itself expands the server macros {@code {shard}}, {@code {replica}} and {@code {database}}.
 *
 * <p>Not safe to run concurrently against the same database from several processes: two runners
 * could both apply a migration (the DDL files use IF NOT EXISTS, so that is harmless for them).
 */
public final class Migrations {

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    static final String RESOURCE_DIR = "clickhouse/migrations/";
    static final String CLUSTER_RESOURCE_DIR = "clickhouse/migrations-cluster/";
    static final String CLUSTER_PLACEHOLDER = "${cluster}";
    static final String DATABASE_PLACEHOLDER = "${database}";
    private static final Pattern NAME = Pattern.compile("\\d{3}_[A-Za-z0-9_]+\\.sql");
    // A statement ends with ';' at the end of a line; ';' inside a line (in a string) does not split.
    private static final Pattern ADD_COLUMN = Pattern.compile("(?is)\\bALTER\\s+TABLE\\s.*\\sADD\\s+COLUMN\\s");
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
        return apply(client, database, load(), null);
    }

    /**
     * As {@link #apply(Client, String)}; when {@code cluster} is not null or blank, applies the
     * cluster variant on every node of that cluster ({@code ON CLUSTER}, through the server's
     * {@code distributed_ddl} queue), so the client may point at any node. Every node must be up:
     * an ON CLUSTER statement waits for all of them ({@code distributed_ddl_task_timeout}, 180 s by
     * default) and fails if one does not answer (it still runs there once the node is back).
     */
    public static List<String> apply(Client client, String database, String cluster) {
        boolean clustered = cluster != null && !cluster.isBlank();
        return apply(client, database, clustered ? loadCluster() : load(), clustered ? cluster : null);
    }

    static List<String> apply(Client client, String database, List<Migration> migrations) {
        return apply(client, database, migrations, null);
    }

    static List<String> apply(Client client, String database, List<Migration> migrations, String cluster) {
        requireNonNull(client, "client");
        requireNonNull(migrations, "migrations");
        String db = ClickHouseClients.quoteIdentifier(database);
        String onCluster = cluster == null ? "" : " ON CLUSTER " + ClickHouseClients.quoteIdentifier(cluster);
        ClickHouseClients.execute(client, "CREATE DATABASE IF NOT EXISTS " + db + onCluster);
        // ReplacingMergeTree keyed by name: recording a migration twice still reads back once. On a
        // cluster, one table replicated to EVERY node (its Keeper path has no {shard}; {replica}
        // is unique cluster-wide), so whichever node the runner reaches next knows what ran.
        String engine = cluster == null ? "ReplacingMergeTree(applied_at)"
                : "ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/schema_migrations', '{replica}', applied_at)";
        ClickHouseClients.execute(client, "CREATE TABLE IF NOT EXISTS " + db + ".schema_migrations" + onCluster + " ("
                + "name String, checksum String, applied_at DateTime('UTC')"
                + ") ENGINE = " + engine + " ORDER BY name");
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
                execute(client, database, cluster == null ? statement : render(statement, cluster, database));
            }
            ClickHouseClients.execute(client, "INSERT INTO " + db + ".schema_migrations (name, checksum, applied_at) VALUES ("
                    + ClickHouseClients.quoteString(migration.name()) + ", "
                    + ClickHouseClients.quoteString(migration.checksum()) + ", now())");
            LOG.info("clickhouse migration applied migration={}, database={}, cluster={}", migration.name(), database,
                    cluster == null ? "none" : cluster);
            done.add(migration.name());
        }
        return List.copyOf(done);
    }

    /** The single-node migrations on the classpath, in the order they apply. */
    public static List<Migration> load() {
        return load(RESOURCE_DIR);
    }

    /** The cluster migrations on the classpath (same names as {@link #load}), in the order they apply. */
    public static List<Migration> loadCluster() {
        return load(CLUSTER_RESOURCE_DIR);
    }

    /**
     * Runs one statement. {@code ALTER TABLE … ADD COLUMN} has no {@code IF NOT EXISTS} on
     * ClickHouse 18.16, so the column being there already (a runner that stopped after the
     * statement, or one running beside this one) counts as done, like the other DDL's IF NOT EXISTS.
     */
    private static void execute(Client client, String database, String statement) {
        try {
            ClickHouseClients.execute(client, database, statement);
        } catch (RuntimeException e) {
            if (!ADD_COLUMN.matcher(statement).find() || !String.valueOf(e.getMessage()).contains("already exists")) {
                throw e;
            }
            LOG.info("clickhouse migration: column already there, statement skipped database={}, statement={}",
                    database, statement);
        }
    }

    /**
     * A cluster migration statement with {@value #CLUSTER_PLACEHOLDER} and {@value #DATABASE_PLACEHOLDER}
     * replaced by the quoted identifiers.
     */
    static String render(String statement, String cluster, String database) {
        String out = statement.replace(CLUSTER_PLACEHOLDER, ClickHouseClients.quoteIdentifier(cluster))
                .replace(DATABASE_PLACEHOLDER, ClickHouseClients.quoteIdentifier(database));
        if (out.contains("${")) {
            throw new IllegalStateException("unknown placeholder in migration statement (expected only "
                    + CLUSTER_PLACEHOLDER + " and " + DATABASE_PLACEHOLDER + "): " + statement);
        }
        return out;
    }

    private static List<Migration> load(String resourceDir) {
        String indexName = resourceDir + "index.txt";
        ClassLoader loader = Migrations.class.getClassLoader();
        TreeSet<String> names = new TreeSet<>();
        try (InputStream index = loader.getResourceAsStream(indexName)) {
            if (index == null) {
                throw new IllegalStateException("no " + indexName + " on the classpath (generated by the tollgate-clickhouse build)");
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
            throw new UncheckedIOException("cannot read " + indexName, e);
        }
        List<Migration> migrations = new ArrayList<>();
        for (String name : names) {
            try (InputStream in = loader.getResourceAsStream(resourceDir + name)) {
                if (in == null) {
                    throw new IllegalStateException("migration listed in " + indexName + " but missing: " + name);
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
     * Applies the migrations: {@code --url U [--user default] [--password P] [--database tollgate]
     * [--cluster NAME]} (with {@code --cluster}, the cluster variant on every node of that cluster),
     * or {@code --config tollgate.yaml}: the same from the file's {@code clickhouse.url}, {@code user},
     * {@code password}, {@code database} and {@code cluster} keys (environment overrides apply, e.g.
     * {@code TOLLGATE_CLICKHOUSE_PASSWORD}). Prints one line per migration applied.
     */
    public static void main(String[] args) {
        String url = null;
        String user = "default";
        String password = "";
        String database = "tollgate";
        String cluster = null;
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
                case "--cluster" -> cluster = value;
                case "--config" -> {
                    try {
                        ConfigReader config = new ConfigReader(ConfigSource.load(Path.of(value), System.getenv()));
                        url = config.string("clickhouse.url", "http://127.0.0.1:8123");
                        user = config.string("clickhouse.user", "default");
                        password = config.string("clickhouse.password", "");
                        database = config.string("clickhouse.database", "tollgate");
                        // Empty (the default): a single server and the single-node migrations.
                        String configured = config.string("clickhouse.cluster", "");
                        config.validate();
                        cluster = configured.isBlank() ? null : configured;
                    } catch (RuntimeException e) {
                        usage("--config " + value + ": " + e.getMessage());
                    }
                }
                default -> usage("unknown option " + args[i]);
            }
        }
        if (url == null) {
            usage("--url is required");
        }
        if (!ClickHouseClients.isIdentifier(database)) {
            usage("--database: '" + database + "' (expected: [A-Za-z_][A-Za-z0-9_]*)");
        }
        if (cluster != null && !ClickHouseClients.isIdentifier(cluster)) {
            usage("--cluster: '" + cluster + "' (expected: [A-Za-z_][A-Za-z0-9_]*)");
        }
        try (Client client = ClickHouseClients.create(url, user, password, "default")) {
            List<String> applied = apply(client, database, cluster);
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
        System.err.println("usage: Migrations --url URL [--user default] [--password P] [--database tollgate] [--cluster NAME]");
        System.err.println("       Migrations --config tollgate.yaml");
        System.exit(2);
    }
}
