package dev.tollgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import com.clickhouse.client.api.Client;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.clickhouse.ClickHouseServer;
import dev.tollgate.clickhouse.Migrations;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class its own ClickHouse database, with every migration applied, on a real
 * {@code clickhouse-server} process shared by all test classes of the JVM (started on first use,
 * stopped when the test run ends).
 *
 * <p>Register it as {@code @RegisterExtension static final ClickHouseExtension clickhouse = new
 * ClickHouseExtension();}. Thread-safe: the helpers may be called from several test threads.
 */
public final class ClickHouseExtension implements BeforeAllCallback, AfterAllCallback {

    /** The user the test server accepts (no password). */
    public static final String USER = "default";
    /** The test server's password for {@link #USER}: empty. */
    public static final String PASSWORD = "";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClickHouseExtension.class);
    private static final String SERVER_KEY = "clickhouse-server";
    private static final int MAX_CLASS_PART = 40;

    private volatile SharedServer server;
    private volatile String database;
    private volatile Client client;
    private volatile String ownerId;

    @Override
    public void beforeAll(ExtensionContext context) {
        Containers.rejectIfRequested();
        if (ownerId != null) {
            // A @Nested class: it shares the enclosing class's database.
            return;
        }
        if (!ClickHouseServer.installed()) {
            throw new IllegalStateException("clickhouse-server is not installed, so the ClickHouse integration tests"
                    + " cannot run; install it with: apt-get install -y clickhouse-server");
        }
        ownerId = context.getUniqueId();
        server = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SERVER_KEY, key -> SharedServer.start(), SharedServer.class);
        String name = databaseName(context.getRequiredTestClass());
        try (Client admin = ClickHouseClients.create(server.httpUrl(), USER, PASSWORD, "default")) {
            Migrations.apply(admin, name);
        }
        database = name;
        client = ClickHouseClients.create(server.httpUrl(), USER, PASSWORD, name);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getUniqueId().equals(ownerId)) {
            return;
        }
        try {
            Client current = client;
            if (current != null) {
                // Keeps the shared server small when many classes run in one JVM.
                ClickHouseClients.execute(current, "DROP DATABASE IF EXISTS " + ClickHouseClients.quoteIdentifier(database));
                current.close();
            }
        } finally {
            client = null;
            ownerId = null;
        }
    }

    /** Base URL of the server's HTTP interface, e.g. {@code http://127.0.0.1:41234}. */
    public String httpUrl() {
        return requireStarted().httpUrl();
    }

    /** This test class's database (unique per class and run, migrations applied). */
    public String database() {
        requireStarted();
        return database;
    }

    /** A client whose unqualified table names resolve in {@link #database()}. Do not close it. */
    public Client client() {
        requireStarted();
        return client;
    }

    /** Runs a query returning one number, in {@link #database()}; no FORMAT clause. */
    public long queryLong(String sql) {
        return ClickHouseClients.queryLong(client(), sql);
    }

    /** Runs a query in {@link #database()} and returns its rows as text ({@code \N} is null). */
    public List<List<String>> queryRows(String sql) {
        return ClickHouseClients.queryRows(client(), sql);
    }

    /** Runs one statement in {@link #database()}. */
    public void execute(String sql) {
        ClickHouseClients.execute(client(), sql);
    }

    private SharedServer requireStarted() {
        SharedServer current = server;
        if (current == null || client == null) {
            throw new IllegalStateException("the ClickHouse extension is not active; register it as"
                    + " '@RegisterExtension static final ClickHouseExtension clickhouse = new ClickHouseExtension();'");
        }
        return current;
    }

    static String databaseName(Class<?> testClass) {
        String simple = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (simple.length() > MAX_CLASS_PART) {
            simple = simple.substring(0, MAX_CLASS_PART);
        }
        String random = UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        return "t_" + simple + "_" + random;
    }

    /** The JVM's one server and its directory; JUnit closes it when the root context ends. */
    static final class SharedServer implements AutoCloseable {

        private final ClickHouseServer server;
        private final Path dir;

        private SharedServer(ClickHouseServer server, Path dir) {
            this.server = server;
            this.dir = dir;
        }

        static SharedServer start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("tollgate-clickhouse-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a directory for clickhouse-server", e);
            }
            // On a failed start the directory stays: its logs explain the failure.
            return new SharedServer(ClickHouseServer.start(dir, 0, 0), dir);
        }

        String httpUrl() {
            return server.httpUrl();
        }

        @Override
        public void close() {
            try {
                server.close();
            } finally {
                TempDirs.deleteQuietly(dir);
            }
        }
    }
}
