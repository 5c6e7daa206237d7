package dev.tollgate.fake;

import static dev.tollgate.fake.TestHttp.join;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Azure OpenAI chat over raw HTTP: deployment and v1 URLs, the underlying model, filter annotations, Azure errors. */
class AzureChatTest {

  private static final String[] KEY = {"api-key", "azure-key", "Content-Type", "application/json"};
  private static final String BODY = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String CLASSIC = "/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21";

  private static FakeProvider fake;
  private static TestHttp http;

  @BeforeAll
  static void start() {
    fake = FakeProvider.start(0);
    http = new TestHttp(fake);
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @Test
  void answersADeploymentWithItsUnderlyingModelAndFilterResults() {
    HttpResponse<String> response = http.post(CLASSIC, BODY, join(KEY, "x-fake-usage", "input=20,output=6,cached=4"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = TestHttp.parse(response.body());
    assertThat(json.get("model").asText()).isEqualTo(AzureProtocol.DEFAULT_MODEL);
    assertThat(json.at("/prompt_filter_results/0/content_filter_results/hate/severity").asText()).isEqualTo("safe");
    assertThat(json.at("/choices/0/content_filter_results/violence/filtered").asBoolean()).isFalse();
    assertThat(json.at("/usage/prompt_tokens").asLong()).isEqualTo(20);
    assertThat(json.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(4);
  }

  @Test
  void namesTheModelADeploymentRunsWhenItsNameSaysSo() {
    assertThat(AzureProtocol.underlyingModel("team-gpt-4o-mini-eu")).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(AzureProtocol.underlyingModel("chat")).isEqualTo(AzureProtocol.DEFAULT_MODEL);
  }

  @Test
  void streamsAFirstChunkWithEmptyChoicesIdAndModelAndNoUsage() {
    String body = "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    TestHttp.SseResult result = http.stream(CLASSIC, body, join(KEY, "x-fake-chunks", "2"));

    List<TestHttp.SseEvent> events = result.events();
    JsonNode first = events.get(0).json();
    assertThat(first.get("choices")).isEmpty();
    assertThat(first.get("id").asText()).isEmpty();
    assertThat(first.get("model").asText()).isEmpty();
    assertThat(first.has("usage")).isFalse();
    assertThat(first.has("prompt_filter_results")).isTrue();
    assertThat(events.get(1).json().get("model").asText()).isEqualTo(AzureProtocol.DEFAULT_MODEL);
    JsonNode usage = events.get(events.size() - 2).json();
    assertThat(usage.get("choices")).isEmpty();
    assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(2);
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
  }

  @Test
  void servesTheV1UrlWithTheDeploymentInTheBody() {
    HttpResponse<String> response = http.post("/openai/v1/chat/completions",
        "{\"model\":\"eu-gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", "Bearer k",
        "Content-Type", "application/json");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(TestHttp.parse(response.body()).get("model").asText()).isEqualTo("gpt-4.1-2025-04-14");
  }

  @Test
  void answersErrorsWithAStringCodeAndNoType() {
    HttpResponse<String> limited = http.post(CLASSIC, BODY, join(KEY, "x-fake-status", "429"));
    HttpResponse<String> noVersion = http.post("/openai/deployments/prod-chat/chat/completions", BODY, KEY);
    HttpResponse<String> noKey = http.post(CLASSIC, BODY, "Content-Type", "application/json");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(TestHttp.parse(limited.body()).at("/error/code").isTextual()).isTrue();
    assertThat(TestHttp.parse(limited.body()).at("/error/type").isMissingNode()).isTrue();
    assertThat(limited.headers().firstValue("retry-after")).contains("1");
    assertThat(noVersion.statusCode()).isEqualTo(404);
    assertThat(noKey.statusCode()).isEqualTo(401);
  }
}
