package dev.tollgate.edge.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The admin listener: {@code /healthz} (the process is up), {@code /readyz} (accepting traffic;
 * 503 while draining; never depends on Kafka), {@code /metrics} (Prometheus text) and
 * {@code /version}.
 *
 * <p>Stateless apart from the shared context; one instance per admin connection.
 */
final class AdminRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  static final String VERSION = loadVersion();

  private final EdgeContext edge;

  AdminRequestHandler(EdgeContext edge) {
    this.edge = edge;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = request.uri();
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    FullHttpResponse response = switch (path) {
      case "/healthz" -> text(HttpResponseStatus.OK, "ok\n", "text/plain; charset=utf-8");
      case "/readyz" -> edge.draining()
          ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n", "text/plain; charset=utf-8")
          : text(HttpResponseStatus.OK, "ready\n", "text/plain; charset=utf-8");
      case "/metrics" -> text(HttpResponseStatus.OK, edge.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
      case "/version" -> text(HttpResponseStatus.OK,
          "{\"service\":\"proxy-edge\",\"version\":\"" + VERSION + "\"}\n", "application/json");
      default -> text(HttpResponseStatus.NOT_FOUND, "not found\n", "text/plain; charset=utf-8");
    };
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(response);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    return response;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static String loadVersion() {
    Properties properties = new Properties();
    try (InputStream in = AdminRequestHandler.class.getResourceAsStream("/dev/tollgate/edge/version.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      // fall through to "unknown"
    }
    return properties.getProperty("version", "unknown");
  }
}
