package dev.tollgate.edge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.origin.OriginConnector;
import dev.tollgate.edge.publish.EventPublisher;
import dev.tollgate.event.InvocationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClientRequestReceiverTest {

  private final List<InvocationEvent> published = new ArrayList<>();
  private final EdgeMetrics metrics = new EdgeMetrics();
  private final EdgeConfig config = EdgeConfig.from(ConfigSource.parse("test", """
      edge:
        port: 0
        admin_port: 0
        max_body_bytes: 100
        key_fingerprint_secret: s3cret
      """, Map.of()));
  private final EventPublisher publisher = new EventPublisher() {
    @Override
    public boolean publish(InvocationEvent event) {
      published.add(event);
      return true;
    }

    @Override
    public void close(Duration timeout) {}
  };
  private final EdgeContext edge = new EdgeContext(config,
      new OriginConnector(Duration.ofSeconds(1), Duration.ofSeconds(1), 1, metrics, Transport.NIO), publisher, metrics);
  private final EmbeddedChannel channel = new EmbeddedChannel(
      new HttpServerCodec(new HttpDecoderConfig().setMaxHeaderSize(1024)), new ClientRequestReceiver(edge));

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  private String send(String request) {
    channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      out.append(buf.toString(StandardCharsets.UTF_8));
      buf.release();
    }
    return out.toString();
  }

  @Test
  void answersAnUnknownProviderWith404InTheOpenAiErrorShapeAndKeepsTheConnection() {
    String response = send("POST /nope/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");

    assertThat(response).startsWith("HTTP/1.1 404 Not Found\r\n");
    assertThat(response).contains("\"type\":\"invalid_request_error\"", "\"code\":\"unknown_provider\"", "anthropic, azure, gemini, openai");
    assertThat(channel.isOpen()).isTrue();
    assertThat(send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 404 Not Found\r\n");
    assertThat(published).isEmpty();
  }

  @Test
  void answersOversizedHeadersWith431AndCloses() {
    String response = send("GET /openai/v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void rejectsABodyOverTheLimitBeforeContactingTheUpstreamAndRecordsTheCall() {
    String response = send("POST /anthropic/v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: sk-ant-1\r\n"
        + "X-Tollgate-Team: search\r\nContent-Length: 101\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 413 Request Entity Too Large\r\n");
    assertThat(response).contains("{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\"");
    assertThat(published).hasSize(1);
    InvocationEvent event = published.get(0);
    assertThat(event.getStatusCode()).isEqualTo(413);
    assertThat(event.getOutcome()).isEqualTo("proxy_error");
    assertThat(event.getProviderName()).isEqualTo("anthropic");
    assertThat(event.getOperationName()).isEqualTo("messages");
    assertThat(event.getTeam()).isEqualTo("search");
    assertThat(event.getUsageSource()).isEqualTo("none");
    assertThat(event.getKeyFingerprint()).isEqualTo(new KeyFingerprinter("s3cret".getBytes(StandardCharsets.UTF_8)).fingerprint("sk-ant-1"));
    assertThat(metrics.inFlight()).isZero();
  }
}
