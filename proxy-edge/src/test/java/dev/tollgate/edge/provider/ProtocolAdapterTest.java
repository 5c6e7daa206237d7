package dev.tollgate.edge.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtocolAdapterTest {

  private final ProtocolAdapter openai = ProtocolAdapter.forProtocol("openai");
  private final ProtocolAdapter anthropic = ProtocolAdapter.forProtocol("anthropic");
  private final ProtocolAdapter gemini = ProtocolAdapter.forProtocol("gemini");

  @Test
  void namesOperationsFromThePath() {
    assertThat(openai.operation("POST", "/v1/chat/completions")).isEqualTo("chat");
    assertThat(openai.operation("POST", "/v1/responses")).isEqualTo("responses");
    assertThat(openai.operation("POST", "/v1/embeddings")).isEqualTo("embeddings");
    assertThat(openai.operation("GET", "/v1/models")).isEqualTo("other");
    assertThat(openai.operation("GET", "/v1/responses")).isEqualTo("other");
    assertThat(anthropic.operation("POST", "/v1/messages")).isEqualTo("messages");
    assertThat(anthropic.operation("POST", "/v1/messages/count_tokens")).isEqualTo("other");
    assertThat(gemini.operation("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent")).isEqualTo("generate_content");
  }

  @Test
  void replacesIdentifiersInThePathTemplate() {
    assertThat(openai.pathTemplate("/v1/chat/completions")).isEqualTo("/v1/chat/completions");
    assertThat(gemini.pathTemplate("/v1beta/models/gemini-2.5-flash:generateContent"))
        .isEqualTo("/v1beta/models/{model}:generateContent");
    assertThat(openai.pathTemplate("/openai/deployments/my-gpt4o/chat/completions"))
        .isEqualTo("/openai/deployments/{deployment}/chat/completions");
    assertThat(openai.pathTemplate("/v1/responses/resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b"))
        .isEqualTo("/v1/responses/{id}");
    assertThat(openai.pathTemplate("/v1/files/123/content")).isEqualTo("/v1/files/{id}/content");
  }

  @Test
  void takesTheModelFromAGeminiPath() {
    assertThat(gemini.modelFromPath("/v1beta/models/gemini-2.5-flash:generateContent")).isEqualTo("gemini-2.5-flash");
    assertThat(openai.modelFromPath("/v1/chat/completions")).isNull();
  }

  @Test
  void shapesEdgeErrorsLikeEachProtocol() {
    assertThat(new String(openai.errorBody(502, "upstream_unreachable", "upstream \"x\" down"), StandardCharsets.UTF_8))
        .isEqualTo("{\"error\":{\"message\":\"upstream \\\"x\\\" down\",\"type\":\"api_error\",\"param\":null,\"code\":\"upstream_unreachable\"}}");
    assertThat(new String(anthropic.errorBody(504, "upstream_timeout", "late"), StandardCharsets.UTF_8))
        .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"timeout_error\",\"message\":\"late\"}}");
    assertThat(new String(gemini.errorBody(502, "upstream_unreachable", "down"), StandardCharsets.UTF_8))
        .isEqualTo("{\"error\":{\"code\":502,\"message\":\"down\",\"status\":\"UNAVAILABLE\"}}");
  }

  @Test
  void sniffsTheTopLevelModelAndStreamFlagOfARequestFedOneByteAtATime() {
    byte[] body = "{\"messages\":[{\"role\":\"user\",\"content\":\"model: not this\",\"model\":\"nested\"}],\"model\":\"gpt-4o-mini\",\"stream\":true}"
        .getBytes(StandardCharsets.UTF_8);
    RequestBodySniffer sniffer = new RequestBodySniffer();
    for (int i = 0; i < body.length; i++) {
      sniffer.onBody(Unpooled.wrappedBuffer(body, i, 1));
    }
    sniffer.onEnd();

    assertThat(sniffer.model()).isEqualTo("gpt-4o-mini");
    assertThat(sniffer.stream()).isTrue();
  }

  @Test
  void sniffsNothingFromABodyThatIsNotJson() {
    RequestBodySniffer sniffer = new RequestBodySniffer();
    sniffer.onBody(Unpooled.copiedBuffer("model=gpt-4o", StandardCharsets.UTF_8));
    sniffer.onEnd();

    assertThat(sniffer.model()).isNull();
    assertThat(sniffer.stream()).isFalse();
  }
}
