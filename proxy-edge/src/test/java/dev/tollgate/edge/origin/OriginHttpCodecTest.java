package dev.tollgate.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class OriginHttpCodecTest {

  /** What a codec makes of a request sent and the bytes answered: requests as written, then the parts decoded. */
  private static List<String> exchange(Supplier<ChannelHandler> codec, List<HttpMethod> methods, String answer) {
    EmbeddedChannel channel = new EmbeddedChannel(codec.get());
    List<String> seen = new ArrayList<>();
    for (HttpMethod method : methods) {
      channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/v1/chat/completions"));
      ByteBuf written;
      while ((written = channel.readOutbound()) != null) {
        seen.add("sent " + written.toString(StandardCharsets.ISO_8859_1));
        written.release();
      }
    }
    byte[] bytes = answer.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < bytes.length; i += 7) { // in pieces, as a socket delivers them
      channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(7, bytes.length - i)));
    }
    channel.finish();
    Object part;
    while ((part = channel.readInbound()) != null) {
      if (part instanceof HttpResponse response) {
        StringBuilder head = new StringBuilder("head " + response.protocolVersion() + " " + response.status());
        response.headers().iteratorCharSequence().forEachRemaining(h -> head.append(" [").append(h.getKey()).append(": ")
            .append(h.getValue()).append(']'));
        seen.add(head.toString());
      }
      if (part instanceof HttpContent content) {
        seen.add((part instanceof LastHttpContent ? "last " : "content ") + content.content().toString(StandardCharsets.ISO_8859_1)
            + (part instanceof LastHttpContent last ? " trailers=" + last.trailingHeaders().names() : ""));
      }
      if (part instanceof ByteBuf raw) {
        seen.add("raw " + raw.toString(StandardCharsets.ISO_8859_1));
      }
      ReferenceCountUtil.release(part);
    }
    return seen;
  }

  private static void decodesAsNettysClientCodec(List<HttpMethod> methods, String answer) {
    List<String> netty = exchange(HttpClientCodec::new, methods, answer);
    List<String> ours = exchange(OriginHttpCodec::new, methods, answer);
    assertThat(ours).isEqualTo(netty);
  }

  @Test
  void decodesResponsesAsNettysClientCodecDoes() {
    String json = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-request-id: req_1\r\nOpenAI-Processing-Ms: 12\r\n"
        + "content-length: 11\r\n\r\n{\"id\":\"x\"}\n";
    decodesAsNettysClientCodec(List.of(HttpMethod.POST), json);
    decodesAsNettysClientCodec(List.of(HttpMethod.POST, HttpMethod.POST), json + json);
    decodesAsNettysClientCodec(List.of(HttpMethod.POST),
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "6\r\ndata: \r\n0\r\nX-Trailer: t\r\n\r\n");
    decodesAsNettysClientCodec(List.of(HttpMethod.POST),
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}");
    decodesAsNettysClientCodec(List.of(HttpMethod.GET), "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
  }

  @Test
  void readsNoBodyAfterAHeadLikeNettysClientCodec() {
    decodesAsNettysClientCodec(List.of(HttpMethod.HEAD, HttpMethod.GET),
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  }

  @Test
  void passesBytesThroughAfterAConnectLikeNettysClientCodec() {
    decodesAsNettysClientCodec(List.of(HttpMethod.CONNECT), "HTTP/1.1 200 Connection Established\r\n\r\nnot http at all");
  }

  @Test
  void keepsEachHeaderNameAsSpelledAndSharesItAcrossResponses() {
    String answer = "HTTP/1.1 200 OK\r\nX-Mixed-Case: 1\r\nx-mixed-case: 2\r\nContent-Length: 0\r\n\r\n";
    List<String> first = exchange(OriginHttpCodec::new, List.of(HttpMethod.GET), answer);

    assertThat(first.get(1)).contains("[X-Mixed-Case: 1] [x-mixed-case: 2]");
    byte[] bytes = "X-Mixed-Case".getBytes(StandardCharsets.US_ASCII);
    CharSequence shared = OriginHttpCodec.HeaderNames.find(bytes, 0, bytes.length);
    assertThat(shared).isNotNull().hasToString("X-Mixed-Case");
  }
}
