package dev.tollgate.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.errors.ApiException;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official google-genai SDK, pointed at the fake, parses generateContent and its stream with exact usage. */
class GeminiSdkTest {

  private static final String USAGE = "input=1200,cached=1024,output=350,reasoning=310";

  private static FakeProvider fake;
  private static Client client;

  @BeforeAll
  static void start() {
    fake = FakeProvider.start(0);
    client = Client.builder().apiKey("AIza-test").httpOptions(HttpOptions.builder().baseUrl(fake.baseUrl())
        .retryOptions(HttpRetryOptions.builder().attempts(1).build()).build()).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    fake.close();
  }

  private static GenerateContentConfig config(Map<String, String> headers) {
    return GenerateContentConfig.builder().httpOptions(HttpOptions.builder().headers(headers).build()).build();
  }

  @Test
  void parsesGenerateContentAndItsUsage() {
    GenerateContentResponse response =
        client.models.generateContent("gemini-2.5-flash", "hi", config(Map.of("x-fake-usage", USAGE)));

    assertThat(response.text()).isEqualTo(Content.text(Controls.DEFAULT_CHUNKS));
    assertThat(response.modelVersion()).contains("gemini-2.5-flash");
    assertUsage(response.usageMetadata().orElseThrow());
    RecordedRequest request = fake.requests().get(fake.requests().size() - 1);
    assertThat(request.uri()).matches("/v1(beta)?/models/gemini-2.5-flash:generateContent");
    assertThat(request.header("x-goog-api-key")).contains("AIza-test");
  }

  @Test
  void streamsChunksWhoseLastUsageIsTheTotal() {
    List<GenerateContentResponse> chunks = new ArrayList<>();
    try (ResponseStream<GenerateContentResponse> stream = client.models.generateContentStream(
        "gemini-2.5-flash", "hi", config(Map.of("x-fake-usage", USAGE, "x-fake-chunks", "4")))) {
      stream.forEach(chunks::add);
    }

    assertThat(chunks).hasSize(4);
    assertThat(chunks.stream().map(GenerateContentResponse::text).reduce("", String::concat))
        .isEqualTo("Hello from the Tollgate");
    assertUsage(chunks.get(3).usageMetadata().orElseThrow());
    assertThat(chunks.get(0).usageMetadata().orElseThrow().candidatesTokenCount()).isEmpty();
    assertThat(fake.requests().get(fake.requests().size() - 1).uri()).endsWith(":streamGenerateContent?alt=sse");
  }

  @Test
  void surfacesAnRpcErrorAsAnApiException() {
    assertThatThrownBy(() -> client.models.generateContent("gemini-2.5-flash", "hi",
        config(Map.of("x-fake-status", "429"))))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.code()).isEqualTo(429);
          assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
        });
  }

  private static void assertUsage(GenerateContentResponseUsageMetadata usage) {
    assertThat(usage.promptTokenCount()).contains(1200);
    assertThat(usage.cachedContentTokenCount()).contains(1024);
    assertThat(usage.candidatesTokenCount()).contains(40);
    assertThat(usage.thoughtsTokenCount()).contains(310);
    assertThat(usage.totalTokenCount()).contains(1550);
  }
}
