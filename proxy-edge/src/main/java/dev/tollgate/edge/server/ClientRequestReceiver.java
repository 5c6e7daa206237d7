package dev.tollgate.edge.server;

import dev.tollgate.edge.provider.ProtocolAdapter;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client-side handler of one connection: routes each request to a {@link ProxyExchange} and reads
 * the next request only when the previous exchange is done (no pipelining; auto-read is off, so
 * reading is driven by the exchange: one chunk in flight per direction).
 *
 * <p>Used only on the connection's event loop.
 */
final class ClientRequestReceiver extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(ClientRequestReceiver.class);
  private static final ProtocolAdapter OPENAI_ERRORS = ProtocolAdapter.forProtocol("openai");

  private final EdgeContext edge;
  /** The upstream read timeout of this connection's exchanges, one at a time (made when the handler is added). */
  private MovingDeadline upstreamReadTimeout;
  private ProxyExchange exchange;
  private FullHttpResponse pendingReply;

  ClientRequestReceiver(EdgeContext edge) {
    this.edge = edge;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    upstreamReadTimeout = new MovingDeadline(ctx.executor(), () -> {
      if (exchange != null) {
        exchange.onReadTimeout();
      }
    });
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      onRequest(ctx, request);
    }
    if (msg instanceof HttpContent content) {
      if (exchange != null && !(msg instanceof HttpRequest)) {
        exchange.onClientContent(content);
      } else {
        onDiscardedContent(ctx, content);
      }
    }
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
    if (exchange != null || pendingReply != null) {
      ctx.close(); // a request before the previous one finished: not a client this edge serves
      return;
    }
    DecoderResult result = request.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
          ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
          : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
          : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
          : HttpResponseStatus.BAD_REQUEST;
      reply(ctx, errorResponse(status, "bad_request", "malformed HTTP request", false), false);
      return;
    }
    String uri = request.uri();
    int query = uri.indexOf('?');
    String rawPath = query < 0 ? uri : uri.substring(0, query);
    String provider = providerName(rawPath);
    EdgeContext.Route route = provider == null ? null : edge.routes.get(provider);
    if (route == null) {
      replyNotFound(request, "unknown", "unknown_provider",
          "unknown provider prefix in path (configured: " + String.join(", ", new TreeSet<>(edge.routes.keySet())) + ")");
      return;
    }
    String rest = rawPath.substring(provider.length() + 1);
    if (route.provider().resourceInPath()) {
      String resource = providerName(rest);
      route = resource == null ? null : edge.resourceRoute(route, resource);
      if (route == null) {
        replyNotFound(request, provider, "unknown_resource",
            "expected /" + provider + "/{resource}/openai/... with the resource name as a DNS label");
        return;
      }
      rest = rest.substring(resource.length() + 1);
    }
    exchange = new ProxyExchange(this, ctx, edge, route, request, rest, query < 0 ? null : uri.substring(query + 1),
        upstreamReadTimeout);
    exchange.start();
  }

  /** Answers 404 once the request body is read (so the connection stays usable). */
  private void replyNotFound(HttpRequest request, String provider, String code, String message) {
    edge.metrics.requestCompleted(provider, 404, "proxy_error");
    pendingReply = errorResponse(HttpResponseStatus.NOT_FOUND, code, message, HttpUtil.isKeepAlive(request));
  }

  /** The first path segment, or null when there is none. */
  static String providerName(String rawPath) {
    if (!rawPath.startsWith("/") || rawPath.length() < 2) {
      return null;
    }
    int slash = rawPath.indexOf('/', 1);
    String name = slash < 0 ? rawPath.substring(1) : rawPath.substring(1, slash);
    return name.isEmpty() ? null : name;
  }

  private void onDiscardedContent(ChannelHandlerContext ctx, HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    ReferenceCountUtil.release(content);
    if (pendingReply == null) {
      return;
    }
    if (last) {
      FullHttpResponse response = pendingReply;
      pendingReply = null;
      reply(ctx, response, HttpUtil.isKeepAlive(response) && !edge.draining());
    } else {
      ctx.read();
    }
  }

  private void reply(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess() && keepAlive) {
        ctx.read();
      } else if (f.isSuccess()) {
        LingeringClose.close(ctx.channel());
      } else {
        ctx.close();
      }
    });
  }

  /**
   * Closes the connection when no request is being served on it (called on the channel's event
   * loop when draining starts, so no request is read in between): an idle kept-alive connection
   * would otherwise take a new request that shutdown then cuts. A busy one closes after its
   * response ({@link #exchangeDone}).
   */
  void closeIfIdle(Channel channel) {
    if (exchange == null && pendingReply == null) {
      channel.close();
    }
  }

  /** The exchange finished: read the next request on a kept-alive connection, else close it. */
  void exchangeDone(ChannelHandlerContext ctx, boolean keepAlive) {
    exchange = null;
    if (keepAlive && !edge.draining()) {
      ctx.read();
    } else {
      LingeringClose.close(ctx.channel());
    }
  }

  static FullHttpResponse errorResponse(HttpResponseStatus status, String code, String message, boolean keepAlive) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(OPENAI_ERRORS.errorBody(status.code(), code, message)));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    HttpUtil.setKeepAlive(response, keepAlive);
    return response;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt != ClientTimeouts.BODY_TIMEOUT) {
      ctx.fireUserEventTriggered(evt);
    } else if (exchange != null) {
      exchange.onClientBodyTimeout();
    } else {
      ctx.close(); // a refused request's body never came
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (pendingReply != null) {
      ctx.read(); // the rest of a refused request's body may come in a later read
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    upstreamReadTimeout.cancel();
    if (exchange != null) {
      exchange.onClientClosed();
      exchange = null;
    }
    if (pendingReply != null) {
      pendingReply.release();
      pendingReply = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("client connection error: remote={}, error={}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
