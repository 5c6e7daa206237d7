package dev.tollgate.edge.origin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * The HTTP/1.1 codec of an origin connection: Netty's {@link HttpClientCodec} with its default
 * settings (the response to a HEAD, or a 200 to a CONNECT, has no body; after a CONNECT tunnel the
 * bytes pass through undecoded), except that each response header name is taken from
 * {@link HeaderNames}, a shared table, rather than copied into a new string: an upstream sends
 * the same few dozen names on every response, and the copies were a tenth of the edge's garbage.
 *
 * <p>Used only on the connection's event loop.
 */
final class OriginHttpCodec extends CombinedChannelDuplexHandler<HttpResponseDecoder, HttpRequestEncoder> {

  /** The methods of the requests sent and not answered yet, oldest first. */
  private final Queue<HttpMethod> methods = new ArrayDeque<>(2);
  /** A CONNECT was answered 200: the connection is a tunnel from now on. */
  private boolean tunnel;

  OriginHttpCodec() {
    init(new Decoder(new HttpDecoderConfig()), new Encoder());
  }

  private final class Encoder extends HttpRequestEncoder {
    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
      if (msg instanceof HttpRequest request) {
        methods.offer(request.method());
      }
      super.encode(ctx, msg, out);
    }
  }

  private final class Decoder extends HttpResponseDecoder {
    Decoder(HttpDecoderConfig config) {
      super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
      if (tunnel) {
        int readable = actualReadableBytes();
        if (readable > 0) {
          out.add(buffer.readBytes(readable));
        }
        return;
      }
      super.decode(ctx, buffer, out);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      HttpResponse response = (HttpResponse) msg;
      int status = response.status().code();
      if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        return super.isContentAlwaysEmpty(msg); // an interim response: the request is still unanswered
      }
      HttpMethod method = methods.poll();
      if (HttpMethod.HEAD.equals(method)) {
        return true;
      }
      if (status == 200 && HttpMethod.CONNECT.equals(method)) {
        tunnel = true;
        methods.clear();
        return true;
      }
      return super.isContentAlwaysEmpty(msg);
    }

    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
      AsciiString known = HeaderNames.find(sb, start, length);
      return known != null ? known : HeaderNames.remember(super.splitHeaderName(sb, start, length));
    }
  }

  /**
   * Header names seen in responses, exactly as spelled (the client gets them as sent), shared by
   * every connection. Bounded: a name is kept only while its slot is free, so the table holds at
   * most {@link #SLOTS} names of at most {@link #MAX_NAME} bytes; any other name is copied as
   * before. Lock-free: a slot is written once with an immutable {@link AsciiString} (a racing
   * reader at worst misses it and copies).
   */
  static final class HeaderNames {
    static final int SLOTS = 512;
    static final int MAX_NAME = 64;
    private static final AsciiString[] TABLE = new AsciiString[SLOTS];

    private HeaderNames() {}

    static AsciiString find(byte[] bytes, int start, int length) {
      if (length > MAX_NAME) {
        return null;
      }
      AsciiString name = TABLE[slot(bytes, start, length)];
      return name != null && sameBytes(name, bytes, start, length) ? name : null;
    }

    static AsciiString remember(AsciiString name) {
      int length = name.length();
      if (length <= MAX_NAME) {
        int slot = slot(name.array(), name.arrayOffset(), length);
        if (TABLE[slot] == null) {
          TABLE[slot] = name;
        }
      }
      return name;
    }

    private static int slot(byte[] bytes, int start, int length) {
      int hash = 0x811c9dc5;
      for (int i = start; i < start + length; i++) {
        hash = (hash ^ bytes[i]) * 0x01000193; // FNV-1a, case-sensitive: names keep their spelling
      }
      return (hash ^ (hash >>> 16)) & (SLOTS - 1);
    }

    private static boolean sameBytes(AsciiString name, byte[] bytes, int start, int length) {
      if (name.length() != length) {
        return false;
      }
      byte[] array = name.array();
      int offset = name.arrayOffset();
      for (int i = 0; i < length; i++) {
        if (array[offset + i] != bytes[start + i]) {
          return false;
        }
      }
      return true;
    }
  }
}
