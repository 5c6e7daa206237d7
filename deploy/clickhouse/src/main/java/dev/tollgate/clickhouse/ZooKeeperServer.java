package dev.tollgate.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a standalone ZooKeeper (Debian's {@code zookeeper} package: {@code apt-get install -y
 * zookeeper}) as a plain child JVM with a configuration generated into its own directory,
 * listening on 127.0.0.1 only. ClickHouse 18.16 replicates through it; modern ClickHouse speaks
 * the same protocol with ClickHouse Keeper.
 *
 * <p>Thread-safe: {@link #close} is idempotent and may be called from any thread, including the JVM
 * shutdown hook this class registers.
 */
public final class ZooKeeperServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperServer.class);
    /** Debian's jar; its manifest Class-Path names the other jars it needs under /usr/share/java. */
    static final Path JAR = Path.of("/usr/share/java/zookeeper.jar");
    private static final String MAIN = "org.apache.zookeeper.server.ZooKeeperServerMain";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final Path dir;
    private final int port;
    private final Thread shutdownHook;
    private boolean closed;

    private ZooKeeperServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.shutdownHook = new Thread(process::destroy, "zookeeper-stop");
    }

    /** Whether Debian's ZooKeeper jar is installed. */
    public static boolean installed() {
        return Files.isReadable(JAR);
    }

    /**
     * Writes {@code zoo.cfg} into {@code dir}, starts ZooKeeper and waits until it serves requests
     * ({@code srvr} reports its mode). A port of 0 picks a free one.
     *
     * @throws IllegalStateException if ZooKeeper is not installed, exits, or is not ready in time
     */
    public static ZooKeeperServer start(Path dir, int port) {
        requireNonNull(dir, "dir");
        if (!installed()) {
            throw new IllegalStateException(JAR + " is missing; install ZooKeeper with: apt-get install -y zookeeper");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        int p = port == 0 ? ClickHouseServer.freePort() : port;
        Path abs = dir.toAbsolutePath().normalize();
        Path config = writeConfig(abs, p);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process;
        try {
            process = new ProcessBuilder(java, "-Xmx128m", "-cp", JAR.toString(), MAIN, config.toString())
                    .directory(abs.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(abs.resolve("zookeeper.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start zookeeper", e);
        }
        ZooKeeperServer server = new ZooKeeperServer(process, abs, p);
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            server.awaitReady();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("zookeeper started port={}, pid={}, dir={}", p, process.pid(), abs);
        return server;
    }

    /**
     * Writes {@code zoo.cfg} (and the data directory) into {@code dir} and returns its path. A short
     * tick (500 ms) allows session timeouts from 1 s to 10 s, so a killed client's session, and
     * the ephemeral nodes it holds, expire within seconds.
     */
    static Path writeConfig(Path dir, int port) {
        try {
            Files.createDirectories(dir.resolve("data"));
            return Files.writeString(dir.resolve("zoo.cfg"), """
                    tickTime=500
                    dataDir=%s
                    clientPort=%d
                    clientPortAddress=127.0.0.1
                    maxClientCnxns=200
                    admin.enableServer=false
                    4lw.commands.whitelist=ruok,srvr
                    """.formatted(dir.resolve("data"), port), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write zookeeper config into " + dir, e);
        }
    }

    /** The client address, {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

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
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        LOG.info("zookeeper stopped port={}", port);
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("zookeeper exited with status " + process.exitValue()
                        + " during start-up; log: " + logTail());
            }
            // Not ruok: it answers imok as soon as the port is open, while sessions are still
            // refused; srvr reports a Mode only once the server serves requests. (ClickHouse 18.16's
            // DDL worker crashes the whole server on a refused first session.)
            if (fourLetterWord("srvr").contains("Mode: ")) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for zookeeper", e);
            }
        }
        throw new IllegalStateException("zookeeper did not serve requests on port " + port + " within "
                + START_TIMEOUT + "; log: " + logTail());
    }

    private String fourLetterWord(String word) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(word.getBytes(UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private String logTail() {
        Path log = dir.resolve("zookeeper.log");
        try {
            List<String> lines = Files.readAllLines(log, UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }
}
