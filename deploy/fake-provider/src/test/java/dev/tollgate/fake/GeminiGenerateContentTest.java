package dev.tollgate.fake;

import static dev.tollgate.fake.TestHttp.join;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Gemini routes over raw HTTP: bodies, cumulative stream usage, omitted zero counts and RPC errors. */
class GeminiGenerateContentTest {

  private static final String[] KEY = {"x-goog-api-key", "AIza-test", "Content-Type", "application/json"};
  private static final String BODY = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}";
  private static final String GENERATE = "/v1beta/models/gemini-2.5-flash:generateContent";
  private static final String STREAM = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";

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
  void answersGenerateContentWithFullUsageMetadata() {
    HttpResponse<String> response = http.post(GENERATE, BODY,
        join(KEY, "x-fake-usage", "input=1200,cached=1024,output=350,reasoning=310"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = TestHttp.parse(response.body());
    assertThat(json.at("/candidates/0/content/parts/0/text").asText()).isEqualTo(Content.text(Controls.DEFAULT_CHUNKS));
    assertThat(json.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
    assertThat(json.at("/modelVersion").asText()).isEqualTo("gemini-2.5-flash");
    JsonNode usage = json.get("usageMetadata");
    assertThat(usage.get("promptTokenCount").asLong()).isEqualTo(1200);
    assertThat(usage.get("cachedContentTokenCount").asLong()).isEqualTo(1024);
    assertThat(usage.get("candidatesTokenCount").asLong()).isEqualTo(40); // thinking excluded
    assertThat(usage.get("thoughtsTokenCount").asLong()).isEqualTo(310);
    assertThat(usage.get("totalTokenCount").asLong()).isEqualTo(1200 + 40 + 310);
  }

  @Test
  void leavesZeroCountsOut() {
    HttpResponse<String> response = http.post(GENERATE, BODY, join(KEY, "x-fake-usage", "input=10,output=3"));

    JsonNode usage = TestHttp.parse(response.body()).get("usageMetadata");
    assertThat(usage.has("cachedContentTokenCount")).isFalse();
    assertThat(usage.has("thoughtsTokenCount")).isFalse();
    assertThat(usage.get("candidatesTokenCount").asLong()).isEqualTo(3);
  }

  @Test
  void streamsCumulativeUsageSnapshotsAndEndsWithoutASentinel() {
    TestHttp.SseResult result = http.stream(STREAM, BODY,
        join(KEY, "x-fake-usage", "input=50,output=9,reasoning=5", "x-fake-chunks", "3"));

    assertThat(result.completed()).isTrue();
    assertThat(result.response().headers().firstValue("content-type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/event-stream"));
    List<TestHttp.SseEvent> events = result.events();
    assertThat(events).hasSize(3);
    assertThat(events).allSatisfy(e -> {
      assertThat(e.event()).isNull();
      assertThat(e.json().at("/usageMetadata/promptTokenCount").asLong()).isEqualTo(50);
      assertThat(e.json().at("/modelVersion").asText()).isEqualTo("gemini-2.5-flash");
    });
    assertThat(events.get(0).json().at("/usageMetadata").has("candidatesTokenCount")).isFalse();
    JsonNode last = events.get(2).json();
    assertThat(last.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
    assertThat(last.at("/usageMetadata/candidatesTokenCount").asLong()).isEqualTo(4);
    assertThat(last.at("/usageMetadata/thoughtsTokenCount").asLong()).isEqualTo(5);
    assertThat(events.stream().map(e -> e.json().at("/responseId").asText()).distinct()).hasSize(1);
  }

  @Test
  void sendsAnErrorInsideAStreamWhenAskedTo() {
    TestHttp.SseResult result = http.stream(STREAM, BODY, join(KEY, "x-fake-fail", "mid-stream-error"));

    JsonNode last = result.events().get(result.events().size() - 1).json();
    assertThat(last.at("/error/status").asText()).isEqualTo("INTERNAL");
    assertThat(result.events()).noneSatisfy(e -> assertThat(e.json().at("/candidates/0/finishReason").isMissingNode()).isFalse());
  }

  @Test
  void answersErrorsInTheGoogleRpcShape() {
    HttpResponse<String> limited = http.post(GENERATE, BODY, join(KEY, "x-fake-status", "429"));
    HttpResponse<String> anonymous = http.post(GENERATE, BODY, "Content-Type", "application/json");
    HttpResponse<String> malformed = http.post(GENERATE, "{not json", KEY);
    HttpResponse<String> unknown = http.post("/v1beta/models/gemini-2.5-flash:explode", BODY, KEY);

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(TestHttp.parse(limited.body()).at("/error/status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    assertThat(TestHttp.parse(limited.body()).at("/error/code").asInt()).isEqualTo(429);
    assertThat(anonymous.statusCode()).isEqualTo(403);
    assertThat(TestHttp.parse(anonymous.body()).at("/error/status").asText()).isEqualTo("PERMISSION_DENIED");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(TestHttp.parse(malformed.body()).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  @Test
  void acceptsTheKeyAsAQueryParameterAndCountsTokens() {
    HttpResponse<String> response = http.post("/v1beta/models/gemini-2.5-flash:countTokens?key=AIza-q", BODY,
        "Content-Type", "application/json", "x-fake-usage", "input=77");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(TestHttp.parse(response.body()).get("totalTokens").asLong()).isEqualTo(77);
  }
}
