package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.query.ClickHouseReader;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Builds each connection's pipeline: HTTP codec, keep-alive, a small aggregator (the API takes no
 * request bodies), idle close, and the receiver that hands requests to the query executor.
 *
 * <p>Thread-safe: one instance serves every accepted channel.
 */
public final class AnalyticsHttpInitializer extends ChannelInitializer<SocketChannel> {

  static final String HTTP_CODEC = "http-codec";
  static final String HTTP_KEEP_ALIVE = "http-keep-alive";
  static final String HTTP_AGGREGATOR = "http-aggregator";
  static final String IDLE_STATE = "idle-state";
  static final String IDLE_CLOSER = "idle-closer";
  static final String CLIENT_REQUEST_RECEIVER = "client-request-receiver";

  /** GET requests only: headers and a URL, never a body worth keeping. */
  static final int MAX_CONTENT_BYTES = 8 * 1024;
  static final int MAX_INITIAL_LINE_BYTES = 8 * 1024;
  static final int MAX_HEADER_BYTES = 16 * 1024;
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);

  /** The files served without a token: the OpenAPI document and the dashboard (which signs in itself). */
  static final Map<String, String> STATIC_FILES = Map.of(
      "openapi.json", "application/json",
      "dashboard/index.html", "text/html; charset=utf-8",
      "dashboard/app.js", "application/javascript; charset=utf-8",
      "dashboard/app.css", "text/css; charset=utf-8",
      "dashboard/chart.umd.min.js", "application/javascript; charset=utf-8",
      "dashboard/chart.js-LICENSE.md", "text/plain; charset=utf-8");

  private final Executor queryExecutor;
  private final ApiDispatcher dispatcher;

  /** Wires the routes; {@code /openapi.json} documents each of them. */
  public AnalyticsHttpInitializer(Executor queryExecutor, TokenAuthenticator authenticator,
      ClickHouseReader reader, int maxRows, Duration maxSpan, boolean readRollups) {
    this.queryExecutor = requireNonNull(queryExecutor, "queryExecutor");
    SpendParameters spendParameters = new SpendParameters(Clock.systemUTC(), maxRows, maxSpan);
    StaticResources files = StaticResources.load(STATIC_FILES);
    this.dispatcher = new ApiDispatcher(List.of(
        new ApiDispatcher.Route(HttpMethod.GET, "/v1/spend", new SpendHandler(spendParameters, reader, readRollups)),
        new ApiDispatcher.Route(HttpMethod.GET, "/v1/top/{dimension}", new TopHandler(spendParameters, reader, readRollups)),
        new ApiDispatcher.Route(HttpMethod.GET, "/v1/invocations", new InvocationsHandler(spendParameters, reader)),
        new ApiDispatcher.Route(HttpMethod.GET, "/v1/invocations/{id}", new InvocationHandler(reader)),
        new ApiDispatcher.Route(HttpMethod.GET, "/v1/dimensions/{dimension}/values", new DimensionValuesHandler(spendParameters, reader, readRollups)),
        new ApiDispatcher.Route(HttpMethod.GET, "/openapi.json", files.handler("openapi.json", null)),
        new ApiDispatcher.Route(HttpMethod.GET, "/", files.handler("dashboard/index.html", null)),
        new ApiDispatcher.Route(HttpMethod.GET, "/assets/{file}", files.handler(null, "dashboard/")),
        new ApiDispatcher.Route(HttpMethod.GET, "/healthz", new HealthHandler()),
        new ApiDispatcher.Route(HttpMethod.GET, "/readyz", new ReadyHandler(reader))), authenticator);
  }

  /** Every route, in matching order. */
  List<ApiDispatcher.Route> routes() {
    return dispatcher.routes();
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    ChannelPipeline pipeline = channel.pipeline();
    addHttpHandlers(pipeline);
    addIdleHandlers(pipeline);
    addRequestReceiver(pipeline);
  }

  private static void addHttpHandlers(ChannelPipeline pipeline) {
    pipeline.addLast(HTTP_CODEC, new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, MAX_CONTENT_BYTES));
    pipeline.addLast(HTTP_KEEP_ALIVE, new HttpServerKeepAliveHandler());
    pipeline.addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_CONTENT_BYTES));
  }

  private static void addIdleHandlers(ChannelPipeline pipeline) {
    pipeline.addLast(IDLE_STATE, new IdleStateHandler(0, 0, IDLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    pipeline.addLast(IDLE_CLOSER, new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
          ctx.close();
        } else {
          super.userEventTriggered(ctx, event);
        }
      }
    });
  }

  private void addRequestReceiver(ChannelPipeline pipeline) {
    pipeline.addLast(CLIENT_REQUEST_RECEIVER, new ClientRequestReceiver(dispatcher, queryExecutor));
  }
}
