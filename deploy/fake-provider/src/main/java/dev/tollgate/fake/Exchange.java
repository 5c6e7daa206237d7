package dev.tollgate.fake;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and the means to answer it: a JSON body, a server-sent-event stream played with
 * real flushes (and the requested delays) per event, or a dropped connection. Exactly one answer
 * per exchange; when it has been written the channel reads the next request.
 *
 * <p>Confined to the channel's event loop.
 */
final class Exchange {

  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

  /** What happens after the last frame of a stream. */
  enum StreamEnd {
    /** The terminating zero-length chunk: a complete response, connection kept alive. */
    COMPLETE,
    /** The connection is closed without the terminating chunk, as an upstream reset looks. */
    DISCONNECT
  }

  private final ChannelHandlerContext ctx;
  private final String method;
  private final String uri;
  private final String path;
  private final HttpHeaders headers;
  private final byte[] body;
  private final long startNanos;
  private Controls controls = Controls.NONE;
  private boolean answered;

  Exchange(ChannelHandlerContext ctx, String method, String uri, HttpHeaders headers, byte[] body, long startNanos) {
    this.ctx = Objects.requireNonNull(ctx, "ctx");
    this.method = method;
    this.uri = uri;
    this.path = new QueryStringDecoder(uri).path();
    this.headers = headers;
    this.body = body;
    this.startNanos = startNanos;
  }

  String method() {
    return method;
  }

  String uri() {
    return uri;
  }

  String path() {
    return path;
  }

  /** The first value of a request header, or null. */
  String header(CharSequence name) {
    return headers.get(name);
  }

  byte[] body() {
    return body;
  }

  Controls controls() {
    return controls;
  }

  void controls(Controls controls) {
    this.controls = Objects.requireNonNull(controls, "controls");
  }

  /** Milliseconds since the request arrived, for {@code openai-processing-ms}. */
  long elapsedMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** A complete JSON response with a Content-Length. */
  void respondJson(HttpResponseStatus status, HttpHeaders extra, JsonNode json) {
    byte[] bytes = Json.write(json).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ctx.alloc().buffer(bytes.length).writeBytes(bytes));
    response.headers().set(extra);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    begin(status);
    ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> done(f.isSuccess()));
  }

  /**
   * A 200 {@code text/event-stream} response sent chunked, one flush per frame, with the
   * controlled delay between frames. Each frame is a whole SSE event including its blank line.
   */
  void respondStream(HttpHeaders extra, List<String> frames, StreamEnd end) {
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers().set(extra);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    begin(HttpResponseStatus.OK);
    ctx.write(response);
    sendFrame(frames, 0, end);
  }

  /** Closes the connection without any response, as a reset upstream looks to the client. */
  private static final long DISCONNECT_PAUSE_MS = 50;

  void disconnect() {
    begin(null);
    ctx.close();
  }

  private void sendFrame(List<String> frames, int index, StreamEnd end) {
    if (!ctx.channel().isActive()) {
      return;
    }
    if (index == frames.size()) {
      if (end == StreamEnd.DISCONNECT) {
        // A pause before the reset, as when an upstream dies mid-generation: the events already
        // sent reach the client before the connection drops, rather than racing the close.
        ctx.executor().schedule(() -> ctx.close(), DISCONNECT_PAUSE_MS, TimeUnit.MILLISECONDS);
      } else {
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
            .addListener((ChannelFutureListener) f -> done(f.isSuccess()));
      }
      return;
    }
    ByteBuf frame = ByteBufUtil.writeUtf8(ctx.alloc(), frames.get(index));
    ctx.writeAndFlush(new DefaultHttpContent(frame)).addListener((ChannelFutureListener) f -> {
      if (!f.isSuccess()) {
        ctx.close();
        return;
      }
      // No delay before the terminator: the delay is between events, as a model pauses between tokens.
      long delay = index + 1 < frames.size() ? controls.chunkDelayMs() : 0;
      Runnable next = () -> sendFrame(frames, index + 1, end);
      if (delay > 0) {
        ctx.executor().schedule(next, delay, TimeUnit.MILLISECONDS);
      } else {
        // Through the executor rather than directly so a long stream does not grow the stack.
        ctx.executor().execute(next);
      }
    });
  }

  private void begin(HttpResponseStatus status) {
    if (answered) {
      throw new IllegalStateException("exchange answered twice: " + method + " " + path);
    }
    answered = true;
    LOG.info("request method={} path={} status={}", method, path, status == null ? "disconnect" : status.code());
  }

  private void done(boolean written) {
    if (!written) {
      ctx.close();
      return;
    }
    // Requests are served one at a time per connection; read the next one only now.
    ctx.channel().config().setAutoRead(true);
  }
}
