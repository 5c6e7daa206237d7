package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a connection's requests off the event loop: each is answered by {@link ApiDispatcher} on
 * the query executor (queries block), one at a time, and responses are written in request order,
 * as HTTP/1.1 pipelining requires. While a request is in progress the channel stops reading, so a
 * client cannot queue unbounded work.
 *
 * <p>One instance per channel; its fields are touched only on the channel's event loop.
 */
final class ClientRequestReceiver extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger log = LoggerFactory.getLogger(ClientRequestReceiver.class);

  private final ApiDispatcher dispatcher;
  private final Executor queryExecutor;
  private final ArrayDeque<FullHttpRequest> pending = new ArrayDeque<>();
  private boolean busy;

  ClientRequestReceiver(ApiDispatcher dispatcher, Executor queryExecutor) {
    this.dispatcher = requireNonNull(dispatcher, "dispatcher");
    this.queryExecutor = requireNonNull(queryExecutor, "queryExecutor");
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    pending.add(request.retain());
    ctx.channel().config().setAutoRead(false);
    if (!busy) {
      next(ctx);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    FullHttpRequest request;
    while ((request = pending.poll()) != null) {
      request.release();
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("connection error remote={} error={}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  private void next(ChannelHandlerContext ctx) {
    FullHttpRequest request = pending.poll();
    if (request == null) {
      busy = false;
      ctx.channel().config().setAutoRead(true);
      return;
    }
    busy = true;
    try {
      queryExecutor.execute(() -> {
        long start = System.nanoTime();
        FullHttpResponse response;
        try {
          response = dispatcher.respond(request);
        } finally {
          request.release();
        }
        if (log.isDebugEnabled()) {
          log.debug("request method={} path={} status={} ms={}", request.method(), new QueryStringDecoder(request.uri()).rawPath(),
              response.status().code(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        ctx.executor().execute(() -> complete(ctx, response));
      });
    } catch (RejectedExecutionException e) {
      request.release();
      complete(ctx, JsonResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded", "too many requests in progress; retry"));
    }
  }

  private void complete(ChannelHandlerContext ctx, FullHttpResponse response) {
    // HttpServerKeepAliveHandler sets Connection and closes after the write when the client asked to.
    ctx.writeAndFlush(response);
    if (ctx.channel().isActive()) {
      next(ctx);
    }
  }
}
