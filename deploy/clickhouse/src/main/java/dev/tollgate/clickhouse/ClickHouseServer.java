package dev.tollgate.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@code clickhouse-server} binary as a plain child process with a configuration generated
 * into its own directory (listening on 127.0.0.1 only, user {@code default} with no password);
 * optionally as one member of a replicated {@link Cluster} (remote_servers, ZooKeeper, macros).
 *
 * <p>Thread-safe: {@link #close} is idempotent and may be called from any thread, including the JVM
 * shutdown hook this class registers so a crashed test run does not leave the server behind.
 */
public final class ClickHouseServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseServer.class);
    private static final List<Path> WELL_KNOWN_BINARIES =
            List.of(Path.of("/usr/sbin/clickhouse-server"), Path.of("/usr/bin/clickhouse-server"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    /**
     * This server's place in a replicated cluster, every member on 127.0.0.1: what goes into its
     * {@code remote_servers}, {@code zookeeper}, {@code macros} and {@code distributed_ddl} sections.
     *
     * @param name the cluster name, as {@code ON CLUSTER} and {@code Distributed(…)} spell it
     * @param shards the TCP ports of every member, one list per shard (its replicas)
     * @param zookeeper ZooKeeper's client address, {@code host:port}
     * @param shard this server's {@code {shard}} macro (the replication path of its shard)
     * @param replica this server's {@code {replica}} macro: unique across the whole cluster
     * @param interserverHttpPort where the other replicas fetch parts from this one
     */
    public record Cluster(String name, List<List<Integer>> shards, String zookeeper, String shard, String replica,
            int interserverHttpPort) {

        private static final java.util.regex.Pattern MACRO = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");
        private static final java.util.regex.Pattern HOST_PORT = java.util.regex.Pattern.compile("[A-Za-z0-9.-]+:\\d{1,5}");

        public Cluster {
            if (!ClickHouseClients.isIdentifier(name)) {
                throw new IllegalArgumentException("name: '" + name + "' (expected: [A-Za-z_][A-Za-z0-9_]*)");
            }
            requireNonNull(shards, "shards");
            if (shards.isEmpty() || shards.stream().anyMatch(List::isEmpty)) {
                throw new IllegalArgumentException("shards: " + shards + " (expected: at least one shard, each with a replica)");
            }
            shards = shards.stream().map(List::copyOf).toList();
            for (List<Integer> replicas : shards) {
                for (int port : replicas) {
                    checkPort("shards", port, false);
                }
            }
            if (zookeeper == null || !HOST_PORT.matcher(zookeeper).matches()) {
                throw new IllegalArgumentException("zookeeper: '" + zookeeper + "' (expected: host:port)");
            }
            for (String[] macro : new String[][] {{"shard", shard}, {"replica", replica}}) {
                if (macro[1] == null || !MACRO.matcher(macro[1]).matches()) {
                    throw new IllegalArgumentException(macro[0] + ": '" + macro[1] + "' (expected: [A-Za-z0-9_-]{1,64})");
                }
            }
            checkPort("interserverHttpPort", interserverHttpPort, false);
        }
    }

    private final Process process;
    private final Path dir;
    private final int httpPort;
    private final int tcpPort;
    private final Thread shutdownHook;
    private boolean closed;

    private ClickHouseServer(Process process, Path dir, int httpPort, int tcpPort) {
        this.process = process;
        this.dir = dir;
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
        this.shutdownHook = new Thread(process::destroy, "clickhouse-server-stop");
    }

    /** Whether a {@code clickhouse-server} binary is available on this machine. */
    public static boolean installed() {
        return binary().isPresent();
    }

    /**
     * Writes the configuration into {@code dir}, starts the server and waits until {@code /ping}
     * answers. A port of 0 picks a free one.
     *
     * @throws IllegalStateException if the binary is missing, or the server exits or is not ready in
     *     time (the message carries the end of its error log)
     */
    public static ClickHouseServer start(Path dir, int httpPort, int tcpPort) {
        return start(dir, httpPort, tcpPort, null);
    }

    /**
     * As {@link #start(Path, int, int)}, as a member of {@code cluster} (null: a single server).
     * Both ports must then be real: the cluster layout names them. Starting again on the same
     * directory after {@link #kill} restarts the same replica with its data.
     */
    public static ClickHouseServer start(Path dir, int httpPort, int tcpPort, Cluster cluster) {
        requireNonNull(dir, "dir");
        Path binary = binary().orElseThrow(() -> new IllegalStateException(
                "clickhouse-server is not installed (looked in " + WELL_KNOWN_BINARIES
                        + " and on PATH); install it with: apt-get install -y clickhouse-server"));
        checkPort("httpPort", httpPort, true);
        checkPort("tcpPort", tcpPort, true);
        if (cluster != null && (httpPort == 0 || tcpPort == 0)) {
            throw new IllegalArgumentException("httpPort, tcpPort: " + httpPort + ", " + tcpPort
                    + " (expected: real ports for a cluster member, its layout names them)");
        }
        int http = httpPort == 0 ? freePort() : httpPort;
        int tcp = tcpPort == 0 ? freePort(http) : tcpPort;
        Path config = writeConfig(dir, http, tcp, cluster);
        Path absDir = dir.toAbsolutePath();
        Process process;
        try {
            process = new ProcessBuilder(binary.toString(), "--config-file=" + config)
                    .directory(absDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(absDir.resolve("log").resolve("stdout.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        ClickHouseServer server = new ClickHouseServer(process, absDir, http, tcp);
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            server.awaitPing();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("clickhouse server started http_port={}, tcp_port={}, pid={}, dir={}", http, tcp, process.pid(), absDir);
        return server;
    }

    /**
     * Writes {@code config.xml} and {@code users.xml} into {@code dir} (creating the data, tmp and
     * log directories under it) and returns the path of {@code config.xml}. Ports must be real
     * (1..65535).
     */
    public static Path writeConfig(Path dir, int httpPort, int tcpPort) {
        return writeConfig(dir, httpPort, tcpPort, null);
    }

    /** As {@link #writeConfig(Path, int, int)}, for a member of {@code cluster} (null: a single server). */
    public static Path writeConfig(Path dir, int httpPort, int tcpPort, Cluster cluster) {
        requireNonNull(dir, "dir");
        checkPort("httpPort", httpPort, false);
        checkPort("tcpPort", tcpPort, false);
        Path abs = dir.toAbsolutePath().normalize();
        try {
            for (String sub : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
                Files.createDirectories(abs.resolve(sub));
            }
            Path config = abs.resolve("config.xml");
            Files.writeString(config, configXml(abs, httpPort, tcpPort, cluster), UTF_8);
            Files.writeString(abs.resolve("users.xml"), usersXml(cluster != null), UTF_8);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write clickhouse config into " + abs, e);
        }
    }

    /** Base URL of the HTTP interface, e.g. {@code http://127.0.0.1:8123}. */
    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public int tcpPort() {
        return tcpPort;
    }

    /** The directory holding the configuration, data and logs. */
    public Path dir() {
        return dir;
    }

    /** Whether the server process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the server with SIGKILL (a crash: no shutdown, no flush beyond what the OS holds) and
     * waits for it to be gone. {@link #close} afterwards does nothing more.
     */
    public synchronized void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("clickhouse server killed http_port={}, pid={}", httpPort, process.pid());
    }

    /** Stops the server with SIGTERM and waits for it to exit (SIGKILL if it does not in time). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook is doing the same thing.
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("clickhouse server did not stop in time, killing pid={}", process.pid());
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        LOG.info("clickhouse server stopped http_port={}", httpPort);
    }

    /**
     * {@code write-config --dir D --http-port P --tcp-port T}: writes the configuration and prints
     * the path of config.xml, so a shell script can run {@code clickhouse-server --config-file=...}.
     */
    public static void main(String[] args) {
        if (args.length == 0 || !args[0].equals("write-config")) {
            usage("expected the command write-config");
        }
        Path dir = null;
        Integer http = null;
        Integer tcp = null;
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                usage("missing value for " + args[i]);
            }
            String value = args[i + 1];
            switch (args[i]) {
                case "--dir" -> dir = Path.of(value);
                case "--http-port" -> http = parsePort(args[i], value);
                case "--tcp-port" -> tcp = parsePort(args[i], value);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (dir == null || http == null || tcp == null) {
            usage("--dir, --http-port and --tcp-port are required");
        }
        System.out.println(writeConfig(dir, http, tcp));
    }

    private void awaitPing() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ping = HttpRequest.newBuilder(URI.create(httpUrl() + "/ping"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("clickhouse-server exited with status " + process.exitValue()
                        + " during start-up; " + logTail());
            }
            try {
                HttpResponse<String> response = http.send(ping, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().startsWith("Ok.")) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for clickhouse-server", e);
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for clickhouse-server", e);
            }
        }
        throw new IllegalStateException("clickhouse-server did not answer /ping on port " + httpPort
                + " within " + START_TIMEOUT + "; " + logTail());
    }

    private String logTail() {
        StringBuilder tail = new StringBuilder("logs in ").append(dir.resolve("log"));
        for (String name : List.of("stdout.log", "clickhouse-server.err.log")) {
            Path file = dir.resolve("log").resolve(name);
            try {
                if (Files.exists(file)) {
                    List<String> lines = Files.readAllLines(file, UTF_8);
                    List<String> last = lines.subList(Math.max(0, lines.size() - 10), lines.size());
                    tail.append("\n--- ").append(name).append(" ---\n").append(String.join("\n", last));
                }
            } catch (IOException | UncheckedIOException e) {
                tail.append("\n(cannot read ").append(file).append(')');
            }
        }
        return tail.toString();
    }

    private static Optional<Path> binary() {
        for (Path candidate : WELL_KNOWN_BINARIES) {
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (entry.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(entry, "clickhouse-server");
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static String configXml(Path dir, int httpPort, int tcpPort, Cluster cluster) {
        String d = xmlEscape(dir.toString());
        // 18.16 wants the <yandex> root and trailing slashes on directory paths. No
        // interserver_http_port for a single server: it has no replicas to talk to.
        String xml = """
                <?xml version="1.0"?>
                <!-- Generated by Tollgate for a local, single-user ClickHouse server. -->
                <yandex>
                    <logger>
                        <level>warning</level>
                        <log>%1$s/log/clickhouse-server.log</log>
                        <errorlog>%1$s/log/clickhouse-server.err.log</errorlog>
                        <size>10M</size>
                        <count>3</count>
                    </logger>
                    <listen_host>127.0.0.1</listen_host>
                    <http_port>%2$d</http_port>
                    <tcp_port>%3$d</tcp_port>
                    <path>%1$s/data/</path>
                    <tmp_path>%1$s/tmp/</tmp_path>
                    <user_files_path>%1$s/user_files/</user_files_path>
                    <format_schema_path>%1$s/format_schemas/</format_schema_path>
                    <users_config>users.xml</users_config>
                    <default_profile>default</default_profile>
                    <default_database>default</default_database>
                    <timezone>UTC</timezone>
                    <mark_cache_size>268435456</mark_cache_size>
                    <max_concurrent_queries>100</max_concurrent_queries>
                </yandex>
                """.formatted(d, httpPort, tcpPort);
        return cluster == null ? xml : xml.replace("</yandex>", clusterXml(cluster) + "</yandex>");
    }

    private static String clusterXml(Cluster cluster) {
        StringBuilder shards = new StringBuilder();
        for (List<Integer> replicas : cluster.shards()) {
            // internal_replication: a Distributed insert writes each block to ONE replica of the
            // shard and the Replicated table copies it to the others (writing every replica itself
            // would double rows whenever one of those writes is retried).
            shards.append("            <shard>\n                <internal_replication>true</internal_replication>\n");
            for (int port : replicas) {
                shards.append("                <replica><host>127.0.0.1</host><port>").append(port).append("</port></replica>\n");
            }
            shards.append("            </shard>\n");
        }
        int colon = cluster.zookeeper().lastIndexOf(':');
        // session_timeout_ms: how long a SIGKILLed replica's ZooKeeper session (and its is_active
        // node, which blocks the restarted replica) outlives it. distributed_ddl: the queue that
        // ON CLUSTER statements go through.
        return """
                    <interserver_http_host>127.0.0.1</interserver_http_host>
                    <interserver_http_port>%1$d</interserver_http_port>
                    <remote_servers>
                        <%2$s>
                %3$s        </%2$s>
                    </remote_servers>
                    <zookeeper>
                        <node><host>%4$s</host><port>%5$s</port></node>
                        <session_timeout_ms>5000</session_timeout_ms>
                    </zookeeper>
                    <macros>
                        <cluster>%2$s</cluster>
                        <shard>%6$s</shard>
                        <replica>%7$s</replica>
                    </macros>
                    <distributed_ddl>
                        <path>/clickhouse/task_queue/ddl</path>
                    </distributed_ddl>
                """.formatted(cluster.interserverHttpPort(), cluster.name(), shards,
                xmlEscape(cluster.zookeeper().substring(0, colon)), cluster.zookeeper().substring(colon + 1),
                cluster.shard(), cluster.replica());
    }

    private static String usersXml(boolean cluster) {
        if (!cluster) {
            return USERS_XML;
        }
        // insert_distributed_sync: an INSERT into a Distributed table returns once the shard holds
        // the rows (not when they are queued on the receiving server), so a read right after it, like
        // the rollup committer's, sees them; a crash of the receiving server loses no acknowledged row.
        // distributed_product_mode=global: an IN (SELECT … FROM <Distributed>) inside a Distributed
        // query (the rollup committer, the analytics API's top-N) runs its subquery once over the
        // whole cluster, not per shard against partial data.
        return USERS_XML.replace("</allow_experimental_low_cardinality_type>\n",
                "</allow_experimental_low_cardinality_type>\n"
                        + "                    <insert_distributed_sync>1</insert_distributed_sync>\n"
                        + "                    <distributed_product_mode>global</distributed_product_mode>\n");
    }

    // allow_experimental_low_cardinality_type lives in the server profile, never in client code:
    // 18.16 needs it for LowCardinality columns, modern servers reject it as unknown.
    private static final String USERS_XML = """
            <?xml version="1.0"?>
            <!-- Generated by Tollgate: one user, no password, loopback only. -->
            <yandex>
                <profiles>
                    <default>
                        <max_memory_usage>2000000000</max_memory_usage>
                        <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
                    </default>
                </profiles>
                <users>
                    <default>
                        <password></password>
                        <networks>
                            <ip>127.0.0.1</ip>
                            <ip>::1</ip>
                        </networks>
                        <profile>default</profile>
                        <quota>default</quota>
                    </default>
                </users>
                <quotas>
                    <default>
                        <interval>
                            <duration>3600</duration>
                            <queries>0</queries>
                            <errors>0</errors>
                            <result_rows>0</result_rows>
                            <read_rows>0</read_rows>
                            <execution_time>0</execution_time>
                        </interval>
                    </default>
                </quotas>
            </yandex>
            """;

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** {@code count} distinct free loopback ports (for a cluster's members, whose ports are fixed up front). */
    public static int[] freePorts(int count) {
        Set<Integer> seen = new HashSet<>();
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            int port;
            do {
                port = freePort();
            } while (!seen.add(port));
            ports[i] = port;
        }
        return ports;
    }

    static int freePort(int... avoid) {
        for (int attempt = 0; attempt < 10; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (avoid.length == 0 || port != avoid[0]) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port", e);
            }
        }
        throw new IllegalStateException("cannot find a free port");
    }

    private static void checkPort(String name, int port, boolean zeroAllowed) {
        int min = zeroAllowed ? 0 : 1;
        if (port < min || port > 65_535) {
            throw new IllegalArgumentException(name + ": " + port + " (expected: " + min + "..65535)");
        }
    }

    private static int parsePort(String option, String value) {
        try {
            int port = Integer.parseInt(value);
            checkPort(option, port, false);
            return port;
        } catch (NumberFormatException e) {
            usage(option + ": " + value + " (expected: a port number)");
            return -1;
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
            return -1;
        }
    }

    private static void usage(String problem) {
        System.err.println("clickhouse-server-config: " + problem);
        System.err.println("usage: ClickHouseServer write-config --dir DIR --http-port P --tcp-port T");
        System.exit(2);
    }
}
