package dev.tollgate.edge.origin;

import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.server.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Opens and pools upstream connections. Each event loop has its own pool, and a client's origin
 * connection always lives on the client's event loop, so an exchange never hops threads. Idle
 * connections are kept per origin up to a limit and closed after the idle timeout.
 *
 * <p>Thread-safe; {@link #acquire} and {@link #release} must be called on the given event loop.
 */
public final class OriginConnector {

  public static final String SSL = "origin-ssl";
  public static final String CODEC = "origin-codec";
  public static final String RESPONSE_RECEIVER = "origin-response-receiver";

  private static final AttributeKey<Origin> ORIGIN = AttributeKey.valueOf("tollgate.origin");

  private final SslContext sslContext;
  private final Duration connectTimeout;
  private final Duration idleTimeout;
  private final int maxIdlePerOrigin;
  private final EdgeMetrics metrics;
  private final Map<EventLoop, Map<Origin, ArrayDeque<Channel>>> pools = new ConcurrentHashMap<>();
  // Netty's default resolver calls the JDK's blocking lookup on the calling thread, here an event
  // loop: a slow DNS server would freeze every connection of that loop. This one is asynchronous
  // (and still honours /etc/hosts).
  private final DnsAddressResolverGroup resolver;
  private final Transport transport;

  /** Connections use {@code transport}, the one of the event loops they are opened on. */
  public OriginConnector(Duration connectTimeout, Duration idleTimeout, int maxIdlePerOrigin, EdgeMetrics metrics,
                         Transport transport) {
    this.transport = transport;
    this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
        .datagramChannelType(transport.datagramChannel())
        .socketChannelType(transport.socketChannel()));
    this.connectTimeout = connectTimeout;
    this.idleTimeout = idleTimeout;
    this.maxIdlePerOrigin = maxIdlePerOrigin;
    this.metrics = metrics;
    try {
      // No trust manager given: the JDK's default trust store verifies upstream certificates.
      this.sslContext = SslContextBuilder.forClient().build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot create the TLS client context", e);
    }
  }

  /**
   * A connected (and, for TLS, handshaken) connection to {@code origin} on {@code loop}: a pooled
   * idle one when available, else a new one.
   */
  public Future<Channel> acquire(Origin origin, EventLoop loop) {
    ArrayDeque<Channel> idle = pool(loop).get(origin);
    if (idle != null) {
      Channel channel;
      while ((channel = idle.pollFirst()) != null) {
        if (channel.isActive()) {
          return loop.newSucceededFuture(channel);
        }
      }
    }
    return connect(origin, loop);
  }

  /** Returns a connection whose exchange completed cleanly to the pool, or closes it. */
  public void release(Channel channel) {
    Origin origin = channel.attr(ORIGIN).get();
    if (origin == null || !channel.isActive() || !channel.eventLoop().inEventLoop()) {
      channel.close();
      return;
    }
    ArrayDeque<Channel> idle = pool(channel.eventLoop()).computeIfAbsent(origin, o -> new ArrayDeque<>());
    if (idle.size() >= maxIdlePerOrigin) {
      channel.close();
      return;
    }
    idle.addFirst(channel); // most recently used first: the warmest connection is reused
    channel.read(); // keep a read pending so a close by the upstream is noticed while idle
  }

  private Map<Origin, ArrayDeque<Channel>> pool(EventLoop loop) {
    return pools.computeIfAbsent(loop, l -> new HashMap<>());
  }

  private Future<Channel> connect(Origin origin, EventLoop loop) {
    Promise<Channel> promise = loop.newPromise();
    Bootstrap bootstrap = new Bootstrap()
        .group(loop)
        .channel(transport.socketChannel())
        .resolver(resolver)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.attr(ORIGIN).set(origin);
            ChannelPipeline pipeline = ch.pipeline();
            addTlsHandler(pipeline, origin);
            addHttpHandlers(pipeline);
          }
        });
    metrics.originConnectionOpened();
    ChannelFuture connected = bootstrap.connect(origin.host(), origin.port());
    connected.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        promise.tryFailure(f.cause());
        return;
      }
      SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
      if (ssl == null) {
        promise.trySuccess(f.channel());
        return;
      }
      // The handshake needs reads even though auto-read is off; SslHandler issues them itself.
      ssl.handshakeFuture().addListener(h -> {
        if (h.isSuccess()) {
          promise.trySuccess(f.channel());
        } else {
          f.channel().close();
          promise.tryFailure(h.cause());
        }
      });
    });
    return promise;
  }

  private void addTlsHandler(ChannelPipeline pipeline, Origin origin) {
    if (!origin.tls()) {
      return;
    }
    SslHandler ssl = sslContext.newHandler(pipeline.channel().alloc(), origin.host(), origin.port());
    SSLEngine engine = ssl.engine();
    SSLParameters params = engine.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(params);
    ssl.setHandshakeTimeout(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
    pipeline.addLast(SSL, ssl);
  }

  private void addHttpHandlers(ChannelPipeline pipeline) {
    pipeline.addLast(CODEC, new OriginHttpCodec());
    pipeline.addLast(RESPONSE_RECEIVER, new OriginResponseReceiver(idleTimeout.toNanos()));
  }

  /** Closes every pooled idle connection (at shutdown). */
  public void closeIdle() {
    pools.forEach((loop, byOrigin) -> loop.execute(() -> {
      byOrigin.values().forEach(idle -> idle.forEach(Channel::close));
      byOrigin.clear();
    }));
  }
}
