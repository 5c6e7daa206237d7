package dev.tollgate.analytics;

import static java.util.Objects.requireNonNull;

import com.clickhouse.client.api.Client;
import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.analytics.http.AnalyticsHttpInitializer;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.clickhouse.ClickHouseClients;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running analytics API: a Netty HTTP server plus its ClickHouse client. {@link #start} binds
 * and returns; {@link #close} stops accepting, finishes in-flight requests briefly, and releases
 * everything. Tests and {@link AnalyticsMain} use the same entry point.
 *
 * <p>Thread-safe.
 */
public final class AnalyticsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AnalyticsServer.class);
  private static final int QUERY_QUEUE = 256;

  private final EventLoopGroup bossGroup;
  private final EventLoopGroup workerGroup;
  private final ExecutorService queryExecutor;
  private final Client client;
  private final Channel channel;

  private AnalyticsServer(EventLoopGroup bossGroup, EventLoopGroup workerGroup, ExecutorService queryExecutor,
      Client client, Channel channel) {
    this.bossGroup = bossGroup;
    this.workerGroup = workerGroup;
    this.queryExecutor = queryExecutor;
    this.client = client;
    this.channel = channel;
  }

  /** Binds {@code config.host():config.port()} (port 0: a free port) and serves until {@link #close()}. */
  public static AnalyticsServer start(AnalyticsConfig config) {
    requireNonNull(config, "config");
    Client client = createClient(config);
    ClickHouseReader reader = new ClickHouseReader(client, config.queryTimeout());
    EventLoopGroup bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    EventLoopGroup workerGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    // Queries block, so they run here, not on the event loops; a full queue answers 503.
    ExecutorService queryExecutor = new ThreadPoolExecutor(config.queryThreads(), config.queryThreads(), 0, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUERY_QUEUE), new DefaultThreadFactory("analytics-query", true));
    try {
      Channel channel = new ServerBootstrap()
          .group(bossGroup, workerGroup)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 256)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new AnalyticsHttpInitializer(queryExecutor, new TokenAuthenticator(config.tokens()), reader,
              config.maxRows(), config.maxSpan(), config.readRollups()))
          .bind(config.host(), config.port())
          .syncUninterruptibly()
          .channel();
      AnalyticsServer server = new AnalyticsServer(bossGroup, workerGroup, queryExecutor, client, channel);
      log.info("analytics api listening host={} port={} clickhouse={} database={} tokens={}",
          config.host(), server.port(), config.clickhouseUrl(), config.database(), config.tokens().size());
      return server;
    } catch (RuntimeException e) {
      shutdown(bossGroup, workerGroup, queryExecutor);
      client.close();
      throw e;
    }
  }

  /** The port actually bound. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    shutdown(bossGroup, workerGroup, queryExecutor);
    client.close();
    log.info("analytics api stopped");
  }

  private static void shutdown(EventLoopGroup boss, EventLoopGroup workers, ExecutorService queries) {
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    queries.shutdown();
    try {
      if (!queries.awaitTermination(2, TimeUnit.SECONDS)) {
        queries.shutdownNow();
      }
    } catch (InterruptedException e) {
      queries.shutdownNow();
      Thread.currentThread().interrupt();
    }
    // After the queries: a finishing query still hands its response to a worker event loop.
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static Client createClient(AnalyticsConfig config) {
    // The shared factory sets what ClickHouse 18.16 needs (no response compression, database as a URL setting).
    return ClickHouseClients.create(config.clickhouseUrl().toString(), config.user(), config.password(), config.database());
  }
}
