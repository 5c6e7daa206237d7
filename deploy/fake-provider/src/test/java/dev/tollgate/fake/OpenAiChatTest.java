package dev.tollgate.fake;

import static dev.tollgate.fake.TestHttp.OPENAI_AUTH;
import static dev.tollgate.fake.TestHttp.join;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenAiChatTest {

  private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM_BODY =
      "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM_USAGE_BODY = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
      + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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
  void answersNonStreamWithTheDocumentedShapeAndControlledUsage() {
    HttpResponse<String> response = http.post("/v1/chat/completions", BODY,
        join(OPENAI_AUTH, "x-fake-usage", "input=2006,output=300,cached=1920,reasoning=192"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    assertThat(response.headers().firstValue("openai-processing-ms")).isPresent();
    assertThat(response.headers().firstValue("x-ratelimit-remaining-requests")).isPresent();
    assertThat(response.headers().firstValue("x-ratelimit-reset-tokens")).isPresent();
    JsonNode json = TestHttp.parse(response.body());
    assertThat(json.get("object").asText()).isEqualTo("chat.completion");
    assertThat(json.get("id").asText()).startsWith("chatcmpl-");
    assertThat(json.get("model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
    JsonNode choice = json.get("choices").get(0);
    assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
    assertThat(choice.get("message").get("content").asText()).isEqualTo("Hello from the Tollgate fake provider.");
    assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
    JsonNode usage = json.get("usage");
    assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(2006);
    assertThat(usage.get("completion_tokens").asLong()).isEqualTo(300);
    assertThat(usage.get("total_tokens").asLong()).isEqualTo(2306);
    assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asLong()).isEqualTo(1920);
    assertThat(usage.get("completion_tokens_details").get("reasoning_tokens").asLong()).isEqualTo(192);
  }

  @Test
  void derivesDefaultUsageFromTheBodySizeAndChunkCount() {
    JsonNode usage = TestHttp.parse(http.post("/v1/chat/completions", BODY, OPENAI_AUTH).body()).get("usage");

    int bytes = BODY.getBytes(StandardCharsets.UTF_8).length;
    assertThat(usage.get("prompt_tokens").asLong()).isEqualTo((bytes + 3) / 4);
    assertThat(usage.get("completion_tokens").asLong()).isEqualTo(Controls.DEFAULT_CHUNKS);
    assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asLong()).isZero();
  }

  @Test
  void echoesUnknownModelsAndMapsAliasesToSnapshots() {
    String unknown = BODY.replace("gpt-4o-mini", "my-finetune");
    String snapshot = BODY.replace("gpt-4o-mini", "gpt-4o");

    assertThat(TestHttp.parse(http.post("/v1/chat/completions", unknown, OPENAI_AUTH).body()).get("model").asText())
        .isEqualTo("my-finetune");
    assertThat(TestHttp.parse(http.post("/v1/chat/completions", snapshot, OPENAI_AUTH).body()).get("model").asText())
        .isEqualTo("gpt-4o-2024-08-06");
  }

  @Test
  void streamsWithoutAnyUsageUnlessIncludeUsageIsSet() {
    TestHttp.SseResult result = http.stream("/v1/chat/completions", STREAM_BODY, join(OPENAI_AUTH, "x-fake-chunks", "3"));

    assertThat(result.response().statusCode()).isEqualTo(200);
    assertThat(result.response().headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
    assertThat(result.completed()).isTrue();
    List<TestHttp.SseEvent> events = result.events();
    // role, 3 deltas, finish, [DONE]
    assertThat(events).hasSize(6);
    assertThat(events).allSatisfy(e -> assertThat(e.event()).isNull());
    assertThat(events.get(5).data()).isEqualTo("[DONE]");
    for (TestHttp.SseEvent event : events.subList(0, 5)) {
      JsonNode chunk = event.json();
      assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(chunk.has("usage")).as("usage field without include_usage").isFalse();
    }
    JsonNode first = events.get(0).json();
    assertThat(first.get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
    assertThat(first.has("obfuscation")).isTrue();
    assertThat(events.subList(1, 4)).extracting(e -> e.json().get("choices").get(0).get("delta").get("content").asText())
        .containsExactly("Hello", " from", " the");
    assertThat(events.get(4).json().get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    assertThat(events.subList(0, 5)).extracting(e -> e.json().get("id").asText()).containsOnly(first.get("id").asText());
  }

  @Test
  void streamsTheUsageChunkJustBeforeDoneWithIncludeUsage() {
    TestHttp.SseResult result = http.stream("/v1/chat/completions", STREAM_USAGE_BODY,
        join(OPENAI_AUTH, "x-fake-chunks", "2", "x-fake-usage", "input=19,output=10,cached=4,reasoning=2"));

    List<TestHttp.SseEvent> events = result.events();
    assertThat(events).hasSize(6);
    assertThat(events.get(5).data()).isEqualTo("[DONE]");
    for (TestHttp.SseEvent event : events.subList(0, 4)) {
      assertThat(event.json().get("usage").isNull()).isTrue();
    }
    JsonNode usageChunk = events.get(4).json();
    assertThat(usageChunk.get("choices").isArray()).isTrue();
    assertThat(usageChunk.get("choices")).isEmpty();
    JsonNode usage = usageChunk.get("usage");
    assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(19);
    assertThat(usage.get("completion_tokens").asLong()).isEqualTo(10);
    assertThat(usage.get("total_tokens").asLong()).isEqualTo(29);
    assertThat(usage.get("prompt_tokens_details").get("cached_tokens").asLong()).isEqualTo(4);
    assertThat(usage.get("completion_tokens_details").get("reasoning_tokens").asLong()).isEqualTo(2);
  }

  @Test
  void dropsObfuscationWhenAskedTo() {
    String body = STREAM_BODY.replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_obfuscation\":false}");

    TestHttp.SseResult result = http.stream("/v1/chat/completions", body, OPENAI_AUTH);

    assertThat(result.events().subList(0, result.events().size() - 1))
        .allSatisfy(e -> assertThat(e.json().has("obfuscation")).isFalse());
  }

  @Test
  void sendsAnErrorPayloadMidStream() {
    TestHttp.SseResult result = http.stream("/v1/chat/completions", STREAM_USAGE_BODY,
        join(OPENAI_AUTH, "x-fake-chunks", "4", "x-fake-fail", "mid-stream-error"));

    assertThat(result.response().statusCode()).isEqualTo(200);
    List<TestHttp.SseEvent> events = result.events();
    // role, 2 of 4 deltas, then the error; no usage, no [DONE]
    assertThat(events).hasSize(4);
    JsonNode error = events.get(3).json().get("error");
    assertThat(error.get("type").asText()).isEqualTo("server_error");
    assertThat(error.has("message")).isTrue();
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
  }

  @Test
  void dropsTheConnectionBeforeTheUsageChunk() {
    TestHttp.SseResult result = http.stream("/v1/chat/completions", STREAM_USAGE_BODY,
        join(OPENAI_AUTH, "x-fake-chunks", "2", "x-fake-fail", "disconnect"));

    assertThat(result.completed()).isFalse();
    assertThat(result.events()).hasSize(4);
    assertThat(result.events().get(3).json().get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    assertThat(result.events()).noneSatisfy(e -> assertThat(e.data()).contains("prompt_tokens"));
  }

  @Test
  void spacesStreamEventsByTheChunkDelay() {
    TestHttp.SseResult result = http.stream("/v1/chat/completions", STREAM_BODY,
        join(OPENAI_AUTH, "x-fake-chunks", "3", "x-fake-chunk-delay-ms", "60"));

    List<TestHttp.SseEvent> events = result.events();
    long spreadMs = (events.get(events.size() - 1).arrivedNanos() - events.get(0).arrivedNanos()) / 1_000_000;
    // 6 events, 5 gaps of 60 ms: they must arrive spread out, not together at the end.
    assertThat(spreadMs).isGreaterThanOrEqualTo(250);
    long firstGapMs = (events.get(1).arrivedNanos() - events.get(0).arrivedNanos()) / 1_000_000;
    assertThat(firstGapMs).isGreaterThanOrEqualTo(40);
  }

  @Test
  void rejectsMissingMessages() {
    HttpResponse<String> response = http.post("/v1/chat/completions", "{\"model\":\"gpt-4o\"}", OPENAI_AUTH);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = TestHttp.parse(response.body()).get("error");
    assertThat(error.get("param").asText()).isEqualTo("messages");
    assertThat(error.get("code").asText()).isEqualTo("missing_required_parameter");
  }
}
