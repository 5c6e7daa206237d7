package dev.tollgate.edge.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.regex.Pattern;
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

  /** The regular expression the id check was first written as: the scan must agree with it. */
  private static final Pattern ID_SEGMENT = Pattern.compile("(?=.*[0-9])[A-Za-z0-9_.~-]{16,}|[0-9a-fA-F-]{32,36}|[0-9]+");

  @Test
  void templatesPathsAsTheSplitAndRegexVersionDid() {
    Random random = new Random(7);
    String alphabet = "0123456789abcdefABCDEFxyzXYZ_.~-:/%\n";
    for (int n = 0; n < 20_000; n++) {
      StringBuilder path = new StringBuilder(random.nextBoolean() ? "/" : "");
      int length = random.nextInt(n % 10 == 0 ? 300 : 60);
      for (int i = 0; i < length; i++) {
        path.append(alphabet.charAt(random.nextInt(alphabet.length())));
        if (random.nextInt(12) == 0) {
          path.append(random.nextBoolean() ? "/models/" : "/deployments/");
        }
      }
      String p = path.toString();
      assertThat(openai.pathTemplate(p)).as(p).isEqualTo(splitAndRegexTemplate(p));
      assertThat(ProtocolAdapter.isIdSegment(p, 0, p.length())).as(p).isEqualTo(ID_SEGMENT.matcher(p).matches());
    }
    for (String segment : new String[] {"abcdefabcdefabcdefabcdefabcdefab", "abcdef-abcdef-abcdef-abcdef-abcdefab", "abcdefabcdefabcdefabcdefabcdefabcdefa",
        "abcdefghijklmnop", "abcdefghijklmno1", "abcdefghijklmn1", "", "0"}) {
      assertThat(ProtocolAdapter.isIdSegment(segment, 0, segment.length())).as(segment)
          .isEqualTo(ID_SEGMENT.matcher(segment).matches());
    }
  }

  private static String splitAndRegexTemplate(String path) {
    String[] segments = path.split("/", -1);
    StringBuilder out = new StringBuilder(path.length());
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      String previous = i > 0 ? segments[i - 1] : "";
      if (i > 0) {
        out.append('/');
      }
      int colon = segment.indexOf(':');
      String suffix = colon >= 0 ? segment.substring(colon) : "";
      if (!segment.isEmpty() && previous.equals("models")) {
        out.append("{model}").append(suffix);
      } else if (!segment.isEmpty() && previous.equals("deployments")) {
        out.append("{deployment}");
      } else if (ID_SEGMENT.matcher(colon >= 0 ? segment.substring(0, colon) : segment).matches()) {
        out.append("{id}").append(suffix);
      } else {
        out.append(segment);
      }
      if (out.length() > 256) {
        return out.substring(0, 256);
      }
    }
    return out.toString();
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
    assertThat(sniffer.readWhole()).isTrue();
  }

  @Test
  void sniffsARequestThatArrivesWholeInOneChunk() {
    byte[] body = "{\"messages\":[{\"role\":\"user\",\"content\":\"model: not this\",\"model\":\"nested\"}],\"model\":\"gpt-4o-mini\",\"stream\":true}"
        .getBytes(StandardCharsets.UTF_8);
    RequestBodySniffer sniffer = new RequestBodySniffer();
    sniffer.onLastBody(Unpooled.wrappedBuffer(body));

    assertThat(sniffer.model()).isEqualTo("gpt-4o-mini");
    assertThat(sniffer.stream()).isTrue();
    assertThat(sniffer.readWhole()).isTrue();
  }

  @Test
  void sniffsNothingFromABodyThatIsNotJson() {
    RequestBodySniffer sniffer = new RequestBodySniffer();
    sniffer.onBody(Unpooled.copiedBuffer("model=gpt-4o", StandardCharsets.UTF_8));
    sniffer.onEnd();

    assertThat(sniffer.model()).isNull();
    assertThat(sniffer.stream()).isFalse();
    assertThat(sniffer.readWhole()).isFalse();

    RequestBodySniffer whole = new RequestBodySniffer();
    whole.onLastBody(Unpooled.copiedBuffer("{\"model\":\"gpt-4o\"", StandardCharsets.UTF_8)); // cut short
    assertThat(whole.readWhole()).isFalse();

    RequestBodySniffer empty = new RequestBodySniffer();
    empty.onLastBody(Unpooled.EMPTY_BUFFER);
    assertThat(empty.readWhole()).isFalse();
  }
}
