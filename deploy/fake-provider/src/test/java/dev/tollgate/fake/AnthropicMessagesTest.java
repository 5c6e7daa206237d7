package dev.tollgate.fake;

import static dev.tollgate.fake.TestHttp.ANTHROPIC_AUTH;
import static dev.tollgate.fake.TestHttp.join;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AnthropicMessagesTest {

  private static final String BODY =
      "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM_BODY = BODY.replace("{\"model\"", "{\"stream\":true,\"model\"");
  private static final String USAGE = "input=3560,output=300,cached=2048,cache_write=1500,cache_write_1h=500";

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
  void answersNonStreamWithInputTokensExcludingCacheTokens() {
    HttpResponse<String> response = http.post("/v1/messages", BODY, join(ANTHROPIC_AUTH, "x-fake-usage", USAGE));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    assertThat(response.headers().firstValue("anthropic-ratelimit-requests-remaining")).isPresent();
    JsonNode json = TestHttp.parse(response.body());
    assertThat(json.get("id").asText()).startsWith("msg_");
    assertThat(json.get("type").asText()).isEqualTo("message");
    assertThat(json.get("role").asText()).isEqualTo("assistant");
    assertThat(json.get("model").asText()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(json.get("content").get(0).get("type").asText()).isEqualTo("text");
    assertThat(json.get("content").get(0).get("text").asText()).isEqualTo(Content.text(Controls.DEFAULT_CHUNKS));
    assertThat(json.get("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(json.get("stop_sequence").isNull()).isTrue();
    JsonNode usage = json.get("usage");
    assertThat(usage.get("input_tokens").asLong()).isEqualTo(12);
    assertThat(usage.get("cache_read_input_tokens").asLong()).isEqualTo(2048);
    assertThat(usage.get("cache_creation_input_tokens").asLong()).isEqualTo(1500);
    assertThat(usage.get("cache_creation").get("ephemeral_5m_input_tokens").asLong()).isEqualTo(1000);
    assertThat(usage.get("cache_creation").get("ephemeral_1h_input_tokens").asLong()).isEqualTo(500);
    assertThat(usage.get("output_tokens").asLong()).isEqualTo(300);
  }

  @Test
  void streamsNamedEventsWithPlaceholderThenCumulativeUsage() {
    TestHttp.SseResult result = http.stream("/v1/messages", STREAM_BODY,
        join(ANTHROPIC_AUTH, "x-fake-usage", USAGE, "x-fake-chunks", "2"));

    assertThat(result.completed()).isTrue();
    assertThat(result.eventNames()).containsExactly("message_start", "content_block_start", "ping",
        "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
    List<TestHttp.SseEvent> events = result.events();
    for (TestHttp.SseEvent event : events) {
      assertThat(event.json().get("type").asText()).isEqualTo(event.event());
    }
    JsonNode start = events.get(0).json().get("message");
    assertThat(start.get("content")).isEmpty();
    assertThat(start.get("stop_reason").isNull()).isTrue();
    assertThat(start.get("usage").get("input_tokens").asLong()).isEqualTo(12);
    assertThat(start.get("usage").get("cache_read_input_tokens").asLong()).isEqualTo(2048);
    assertThat(start.get("usage").get("cache_creation_input_tokens").asLong()).isEqualTo(1500);
    assertThat(start.get("usage").get("output_tokens").asLong()).isEqualTo(1);
    assertThat(events.get(3).json().get("delta").get("type").asText()).isEqualTo("text_delta");
    assertThat(events.get(3).json().get("delta").get("text").asText()).isEqualTo("Hello");
    JsonNode delta = events.get(6).json();
    assertThat(delta.get("delta").get("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(delta.get("usage").get("output_tokens").asLong()).isEqualTo(300);
    // Cumulative: the same input counts again, which a reader must overwrite, not add.
    assertThat(delta.get("usage").get("input_tokens").asLong()).isEqualTo(12);
    assertThat(delta.get("usage").get("cache_read_input_tokens").asLong()).isEqualTo(2048);
  }

  @Test
  void sendsAnOverloadedErrorEventMidStreamWithoutMessageStop() {
    TestHttp.SseResult result = http.stream("/v1/messages", STREAM_BODY,
        join(ANTHROPIC_AUTH, "x-fake-chunks", "2", "x-fake-fail", "mid-stream-error"));

    assertThat(result.response().statusCode()).isEqualTo(200);
    assertThat(result.eventNames()).containsExactly(
        "message_start", "content_block_start", "ping", "content_block_delta", "error");
    JsonNode error = result.events().get(4).json();
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.get("error").get("type").asText()).isEqualTo("overloaded_error");
    assertThat(error.get("error").get("message").asText()).isEqualTo("Overloaded");
  }

  @Test
  void dropsTheConnectionBeforeMessageDelta() {
    TestHttp.SseResult result = http.stream("/v1/messages", STREAM_BODY,
        join(ANTHROPIC_AUTH, "x-fake-chunks", "2", "x-fake-fail", "disconnect"));

    assertThat(result.completed()).isFalse();
    assertThat(result.eventNames()).endsWith("content_block_stop").doesNotContain("message_delta");
  }

  @Test
  void countsTokensAsTheTotalPrompt() {
    HttpResponse<String> response = http.post("/v1/messages/count_tokens",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[]}", join(ANTHROPIC_AUTH, "x-fake-usage", "input=77"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(TestHttp.parse(response.body()).get("input_tokens").asLong()).isEqualTo(77);
  }

  @Test
  void requiresAKeyAndAVersionHeader() {
    HttpResponse<String> noKey = http.post("/v1/messages", BODY, "anthropic-version", "2023-06-01");
    HttpResponse<String> bearer = http.post("/v1/messages", BODY,
        "Authorization", "Bearer oauth-token", "anthropic-version", "2023-06-01");
    HttpResponse<String> noVersion = http.post("/v1/messages", BODY, "x-api-key", "k");

    assertThat(noKey.statusCode()).isEqualTo(401);
    assertAnthropicError(noKey, "authentication_error");
    assertThat(bearer.statusCode()).isEqualTo(200);
    assertThat(noVersion.statusCode()).isEqualTo(400);
    assertAnthropicError(noVersion, "invalid_request_error");
  }

  @Test
  void failsWithTheRequestedStatusInAnthropicShape() {
    HttpResponse<String> overloaded = http.post("/v1/messages", BODY, join(ANTHROPIC_AUTH, "x-fake-status", "529"));
    HttpResponse<String> limited = http.post("/v1/messages", BODY, join(ANTHROPIC_AUTH, "x-fake-status", "429"));

    assertThat(overloaded.statusCode()).isEqualTo(529);
    assertAnthropicError(overloaded, "overloaded_error");
    assertThat(overloaded.headers().firstValue("x-should-retry")).hasValue("true");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertAnthropicError(limited, "rate_limit_error");
    assertThat(limited.headers().firstValue("retry-after")).hasValue("1");
    assertThat(limited.headers().firstValue("retry-after-ms")).hasValue("1000");
    assertThat(limited.headers().firstValue("anthropic-ratelimit-requests-remaining")).hasValue("0");
  }

  @Test
  void answersUnknownPathsAndBadBodiesInAnthropicShape() {
    HttpResponse<String> unknown = http.post("/v1/complete", BODY, ANTHROPIC_AUTH);
    HttpResponse<String> malformed = http.post("/v1/messages", "not json", ANTHROPIC_AUTH);
    HttpResponse<String> noMaxTokens = http.post("/v1/messages",
        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[]}", ANTHROPIC_AUTH);

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertAnthropicError(unknown, "not_found_error");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertAnthropicError(malformed, "invalid_request_error");
    assertThat(noMaxTokens.statusCode()).isEqualTo(400);
    assertThat(assertAnthropicError(noMaxTokens, "invalid_request_error").get("message").asText())
        .isEqualTo("max_tokens: Field required");
  }

  @Test
  void servesAnthropicModelsWhenTheVersionHeaderIsSent() {
    JsonNode list = TestHttp.parse(http.get("/v1/models", ANTHROPIC_AUTH).body());

    assertThat(list.get("has_more").asBoolean()).isFalse();
    assertThat(list.get("data").get(0).get("type").asText()).isEqualTo("model");
    assertThat(list.get("data")).anySatisfy(m -> assertThat(m.get("id").asText()).isEqualTo("claude-sonnet-4-5-20250929"));
  }

  private static JsonNode assertAnthropicError(HttpResponse<String> response, String type) {
    JsonNode json = TestHttp.parse(response.body());
    assertThat(json.fieldNames()).toIterable().containsExactly("type", "error", "request_id");
    assertThat(json.get("type").asText()).isEqualTo("error");
    assertThat(json.get("error").get("type").asText()).isEqualTo(type);
    assertThat(json.get("error").get("message").asText()).isNotEmpty();
    assertThat(json.get("request_id").asText()).isEqualTo(response.headers().firstValue("request-id").orElseThrow());
    return json.get("error");
  }
}
