package dev.tollgate.fake;

import static dev.tollgate.fake.TestHttp.OPENAI_AUTH;
import static dev.tollgate.fake.TestHttp.join;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenAiResponsesTest {

  private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"instructions\":\"be brief\"}";
  private static final String STREAM_BODY = "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\",\"stream\":true}";

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
  void answersNonStreamWithACompletedResponseAndUsage() {
    HttpResponse<String> response = http.post("/v1/responses", BODY,
        join(OPENAI_AUTH, "x-fake-usage", "input=2006,output=1186,cached=1920,reasoning=1024,cache_write=50"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = TestHttp.parse(response.body());
    assertThat(json.get("object").asText()).isEqualTo("response");
    assertThat(json.get("id").asText()).startsWith("resp_");
    assertThat(json.get("status").asText()).isEqualTo("completed");
    assertThat(json.get("model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(json.get("instructions").asText()).isEqualTo("be brief");
    JsonNode item = json.get("output").get(0);
    assertThat(item.get("type").asText()).isEqualTo("message");
    assertThat(item.get("content").get(0).get("type").asText()).isEqualTo("output_text");
    assertThat(item.get("content").get(0).get("text").asText()).isEqualTo(Content.text(Controls.DEFAULT_CHUNKS));
    JsonNode usage = json.get("usage");
    assertThat(usage.get("input_tokens").asLong()).isEqualTo(2006);
    assertThat(usage.get("input_tokens_details").get("cached_tokens").asLong()).isEqualTo(1920);
    assertThat(usage.get("input_tokens_details").get("cache_write_tokens").asLong()).isEqualTo(50);
    assertThat(usage.get("output_tokens").asLong()).isEqualTo(1186);
    assertThat(usage.get("output_tokens_details").get("reasoning_tokens").asLong()).isEqualTo(1024);
    assertThat(usage.get("total_tokens").asLong()).isEqualTo(3192);
  }

  @Test
  void streamsTypedEventsWithSequenceNumbersAndNoDone() {
    TestHttp.SseResult result = http.stream("/v1/responses", STREAM_BODY,
        join(OPENAI_AUTH, "x-fake-chunks", "2", "x-fake-usage", "input=30,output=7"));

    assertThat(result.completed()).isTrue();
    assertThat(result.eventNames()).containsExactly(
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed");
    List<TestHttp.SseEvent> events = result.events();
    for (int i = 0; i < events.size(); i++) {
      JsonNode json = events.get(i).json();
      assertThat(json.get("type").asText()).isEqualTo(events.get(i).event());
      assertThat(json.get("sequence_number").asInt()).isEqualTo(i);
    }
    assertThat(events).noneSatisfy(e -> assertThat(e.data()).isEqualTo("[DONE]"));
    assertThat(events.get(0).json().get("response").get("usage").isNull()).isTrue();
    assertThat(events.get(0).json().get("response").get("status").asText()).isEqualTo("in_progress");
    assertThat(events.get(1).json().get("response").get("usage").isNull()).isTrue();
    assertThat(events.get(4).json().get("delta").asText()).isEqualTo("Hello");
    assertThat(events.get(6).json().get("text").asText()).isEqualTo("Hello from");
    JsonNode completed = events.get(9).json().get("response");
    assertThat(completed.get("status").asText()).isEqualTo("completed");
    assertThat(completed.get("usage").get("input_tokens").asLong()).isEqualTo(30);
    assertThat(completed.get("usage").get("output_tokens").asLong()).isEqualTo(7);
    assertThat(completed.get("usage").get("total_tokens").asLong()).isEqualTo(37);
    // The item id is the same in every event that names it.
    String itemId = events.get(2).json().get("item").get("id").asText();
    assertThat(events.get(4).json().get("item_id").asText()).isEqualTo(itemId);
    assertThat(completed.get("output").get(0).get("id").asText()).isEqualTo(itemId);
  }

  @Test
  void sendsAnErrorEventMidStreamWithoutATerminalEvent() {
    TestHttp.SseResult result = http.stream("/v1/responses", STREAM_BODY,
        join(OPENAI_AUTH, "x-fake-chunks", "4", "x-fake-fail", "mid-stream-error"));

    assertThat(result.eventNames()).containsExactly(
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "error");
    JsonNode error = result.events().get(6).json();
    assertThat(error.get("type").asText()).isEqualTo("error");
    assertThat(error.get("sequence_number").asInt()).isEqualTo(6);
    assertThat(error.has("code")).isTrue();
    assertThat(error.has("param")).isTrue();
    assertThat(error.get("message").asText()).isNotEmpty();
  }

  @Test
  void dropsTheConnectionBeforeResponseCompleted() {
    TestHttp.SseResult result = http.stream("/v1/responses", STREAM_BODY,
        join(OPENAI_AUTH, "x-fake-chunks", "1", "x-fake-fail", "disconnect"));

    assertThat(result.completed()).isFalse();
    assertThat(result.eventNames()).endsWith("response.output_item.done").doesNotContain("response.completed");
  }
}
