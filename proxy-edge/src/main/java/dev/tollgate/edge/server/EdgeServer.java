package dev.tollgate.edge.server;

import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.origin.OriginConnector;
import dev.tollgate.edge.provider.UsageEstimator;
import dev.tollgate.edge.publish.DiskSpool;
import dev.tollgate.edge.publish.DroppingEventPublisher;
import dev.tollgate.edge.publish.EventPublisher;
import dev.tollgate.edge.publish.KafkaEventPublisher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running edge: the client listener, the admin listener, the origin connector and the event
 * publisher. {@link #start} binds and returns; {@link #close} drains in-flight requests for the
 * grace period, then stops everything.
 *
 * <p>Thread-safe.
 */
public final class EdgeServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);

  private final EdgeContext edge;
  private final Transport transport;
  private final EventLoopGroup group;
  private final ChannelGroup clientChannels = new DefaultChannelGroup("tollgate-edge-clients", GlobalEventExecutor.INSTANCE);
  private final Channel listener;
  private final Channel adminListener;
  private boolean closed;

  private EdgeServer(EdgeConfig config, EventPublisher publisher, EdgeMetrics metrics, UsageEstimator.Tokenizer tokenizer)
      throws InterruptedException {
    this.transport = Transport.best();
    OriginConnector connector = new OriginConnector(config.upstreamConnectTimeout(), config.upstreamIdleTimeout(),
        config.upstreamMaxIdlePerHost(), metrics, transport);
    this.edge = new EdgeContext(config, connector, publisher, metrics, tokenizer);
    this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), transport.ioHandlerFactory());
    try {
      this.listener = new ServerBootstrap()
          .group(group)
          .channel(transport.serverChannel())
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.AUTO_READ, false)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
          .childHandler(new ClientChannelInitializer(edge, clientChannels))
          .bind(config.host(), config.port()).sync().channel();
      this.adminListener = new ServerBootstrap()
          .group(group)
          .channel(transport.serverChannel())
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast("admin-codec", new HttpServerCodec());
              ch.pipeline().addLast("admin-aggregator", new HttpObjectAggregator(8 * 1024));
              ch.pipeline().addLast("admin-request-handler", new AdminRequestHandler(edge));
            }
          })
          .bind(config.host(), config.adminPort()).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      edge.estimation.close(Duration.ZERO);
      throw e;
    }
  }

  /** Starts the edge publishing to the Kafka cluster of {@code config}. */
  public static EdgeServer start(EdgeConfig config) {
    return start(config, Map.of());
  }

  /** As {@link #start(EdgeConfig)}, with Kafka producer settings overridden (tests shorten timeouts). */
  public static EdgeServer start(EdgeConfig config, Map<String, Object> producerOverrides) {
    EdgeMetrics metrics = new EdgeMetrics();
    DiskSpool spool = openSpool(config);
    EventPublisher publisher;
    try {
      publisher = new KafkaEventPublisher(config.kafkaBootstrapServers(), config.invocationsTopic(),
          config.publishQueueCapacity(), "tollgate-edge-" + config.instanceId(), spool, producerOverrides, metrics,
          config.spoolReplayRate());
    } catch (RuntimeException e) {
      // Traffic must flow even when the pipeline behind the edge cannot be reached or configured.
      log.error("kafka producer unavailable, events will be dropped: bootstrap={}, error={}",
          config.kafkaBootstrapServers(), e.toString());
      if (spool != null) {
        spool.close();
      }
      publisher = new DroppingEventPublisher(metrics);
    }
    return start(config, publisher, metrics);
  }

  /** The disk spool, or null when it is off or cannot be opened (events are then dropped, not spooled). */
  private static DiskSpool openSpool(EdgeConfig config) {
    if (config.spoolMaxBytes() == 0) {
      log.warn("disk spool off (edge.spool.max_bytes: 0): events kafka cannot take will be dropped");
      return null;
    }
    try {
      return DiskSpool.open(config.spoolDir(), config.spoolMaxBytes(), config.spoolFsyncInterval());
    } catch (IOException | RuntimeException e) {
      log.error("disk spool unavailable, events kafka cannot take will be dropped: dir={}, error={}",
          config.spoolDir(), e.toString());
      return null;
    }
  }

  /** Starts the edge handing events to {@code publisher} (which the server closes with itself). */
  public static EdgeServer start(EdgeConfig config, EventPublisher publisher, EdgeMetrics metrics) {
    return start(config, publisher, metrics, UsageEstimator.JTOKKIT);
  }

  /** As {@link #start(EdgeConfig, EventPublisher, EdgeMetrics)}, counting estimates with {@code tokenizer}. */
  static EdgeServer start(EdgeConfig config, EventPublisher publisher, EdgeMetrics metrics,
                          UsageEstimator.Tokenizer tokenizer) {
    Objects.requireNonNull(config, "config");
    if (config.keyFingerprintSecretGenerated()) {
      log.warn("no key fingerprint secret configured (edge.key_fingerprint_secret or edge.key_fingerprint_secret_file): "
          + "using a random one, fingerprints will not be stable across restarts");
    }
    EdgeServer server;
    try {
      server = new EdgeServer(config, publisher, metrics, tokenizer);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      publisher.close(Duration.ZERO);
      throw new IllegalStateException("interrupted while binding", e);
    } catch (RuntimeException e) {
      publisher.close(Duration.ZERO);
      throw e;
    }
    log.info("edge started: address={}:{}, admin_port={}, providers={}, instance={}, transport={}, io_threads={}",
        config.host(), server.port(), server.adminPort(), config.providers().keySet(), config.instanceId(),
        server.transport, config.ioThreads());
    return server;
  }

  /** The bound client port. */
  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** The bound admin port. */
  public int adminPort() {
    return ((InetSocketAddress) adminListener.localAddress()).getPort();
  }

  public EdgeMetrics metrics() {
    return edge.metrics;
  }

  /** Prompt and output text held now for estimates that may be needed. */
  long heldEstimateBytes() {
    return edge.estimation.budget().heldBytes();
  }

  /**
   * Stops accepting connections, marks the edge not ready, waits up to the grace period for
   * in-flight requests, then closes connections, event loops and the publisher (which flushes).
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    edge.startDraining();
    listener.close().syncUninterruptibly();
    // Idle kept-alive connections close now; busy ones close after their response (draining
    // responses carry Connection: close). Waiting for the connections, not only for in-flight
    // calls, means no connection is closed by the server while a request on it is being served.
    for (Channel channel : clientChannels) {
      channel.eventLoop().execute(() -> {
        ClientRequestReceiver receiver = channel.pipeline().get(ClientRequestReceiver.class);
        if (receiver != null) {
          receiver.closeIfIdle(channel);
        }
      });
    }
    long deadline = System.nanoTime() + edge.config.shutdownGracePeriod().toNanos();
    while ((edge.metrics.inFlight() > 0 || !clientChannels.isEmpty()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    int abandoned = edge.metrics.inFlight();
    if (abandoned > 0) {
      log.warn("shutdown grace period over: in_flight={}", abandoned);
    }
    clientChannels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    edge.connector.closeIdle();
    adminListener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    // Estimates still queued publish their events before the publisher flushes.
    edge.estimation.close(Duration.ofSeconds(5));
    // Queued events get the grace period too, capped so a dead broker cannot hold shutdown long.
    Duration flush = edge.config.shutdownGracePeriod();
    edge.publisher.close(flush.compareTo(Duration.ofSeconds(10)) < 0 ? flush : Duration.ofSeconds(10));
    log.info("edge stopped");
  }
}
