package dev.tollgate.fake;

import static dev.tollgate.fake.TestHttp.OPENAI_AUTH;
import static dev.tollgate.fake.TestHttp.join;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OpenAiEndpointsTest {

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
  void embedsEachInputAsAUnitVectorWithPromptOnlyUsage() {
    HttpResponse<String> response = http.post("/v1/embeddings",
        "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"dimensions\":8}",
        join(OPENAI_AUTH, "x-fake-usage", "input=8"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode json = TestHttp.parse(response.body());
    assertThat(json.get("object").asText()).isEqualTo("list");
    assertThat(json.get("model").asText()).isEqualTo("text-embedding-3-small");
    assertThat(json.get("data")).hasSize(2);
    JsonNode first = json.get("data").get(0);
    assertThat(first.get("object").asText()).isEqualTo("embedding");
    assertThat(first.get("index").asInt()).isZero();
    assertThat(first.get("embedding")).hasSize(8);
    double norm = 0;
    for (JsonNode value : first.get("embedding")) {
      norm += value.asDouble() * value.asDouble();
    }
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(json.get("usage").get("prompt_tokens").asLong()).isEqualTo(8);
    assertThat(json.get("usage").get("total_tokens").asLong()).isEqualTo(8);
    assertThat(json.get("usage").has("completion_tokens")).isFalse();
  }

  @Test
  void encodesEmbeddingsAsLittleEndianFloatsInBase64WhenAsked() {
    String floats = "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"dimensions\":4}";
    String base64 = "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"dimensions\":4,\"encoding_format\":\"base64\"}";

    JsonNode plain = TestHttp.parse(http.post("/v1/embeddings", floats, OPENAI_AUTH).body()).get("data").get(0);
    JsonNode encoded = TestHttp.parse(http.post("/v1/embeddings", base64, OPENAI_AUTH).body()).get("data").get(0);

    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded.get("embedding").asText()))
        .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes.remaining()).isEqualTo(16);
    for (int i = 0; i < 4; i++) {
      assertThat(bytes.getFloat()).isEqualTo((float) plain.get("embedding").get(i).asDouble());
    }
  }

  @Test
  void listsAndGetsModels() {
    JsonNode list = TestHttp.parse(http.get("/v1/models", OPENAI_AUTH).body());
    HttpResponse<String> one = http.get("/v1/models/gpt-4o-mini", OPENAI_AUTH);
    HttpResponse<String> missing = http.get("/v1/models/no-such-model", OPENAI_AUTH);

    assertThat(list.get("object").asText()).isEqualTo("list");
    assertThat(list.get("data")).anySatisfy(m -> assertThat(m.get("id").asText()).isEqualTo("gpt-4o-mini-2024-07-18"));
    assertThat(list.get("data").get(0).get("object").asText()).isEqualTo("model");
    JsonNode model = TestHttp.parse(one.body());
    assertThat(model.get("id").asText()).isEqualTo("gpt-4o-mini");
    assertThat(model.get("owned_by").asText()).isEqualTo("system");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(TestHttp.parse(missing.body()).get("error").get("code").asText()).isEqualTo("model_not_found");
  }

  @Test
  void requiresABearerKey() {
    HttpResponse<String> none = http.post("/v1/chat/completions", "{}");
    HttpResponse<String> basic = http.post("/v1/chat/completions", "{}", "Authorization", "Basic abc");

    for (HttpResponse<String> response : java.util.List.of(none, basic)) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertOpenAiError(response.body(), "invalid_request_error");
      assertThat(response.headers().firstValue("x-request-id")).isPresent();
    }
  }

  @Test
  void answersUnknownPathsWithA404InOpenAiShape() {
    HttpResponse<String> response = http.post("/v1/nope", "{}", OPENAI_AUTH);

    assertThat(response.statusCode()).isEqualTo(404);
    JsonNode error = assertOpenAiError(response.body(), "invalid_request_error");
    assertThat(error.get("message").asText()).isEqualTo("Invalid URL (POST /v1/nope)");
  }

  @Test
  void rejectsMalformedJsonWith400() {
    HttpResponse<String> response = http.post("/v1/chat/completions", "{\"model\":", OPENAI_AUTH);

    assertThat(response.statusCode()).isEqualTo(400);
    assertOpenAiError(response.body(), "invalid_request_error");
  }

  @Test
  void failsWithTheRequestedStatusAndRetryHeaders() {
    HttpResponse<String> response = http.post("/v1/chat/completions", "{}",
        join(OPENAI_AUTH, "x-fake-status", "429", "x-fake-retry-after-ms", "1500"));

    assertThat(response.statusCode()).isEqualTo(429);
    JsonNode error = assertOpenAiError(response.body(), "requests");
    assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(response.headers().firstValue("retry-after")).hasValue("2");
    assertThat(response.headers().firstValue("retry-after-ms")).hasValue("1500");
    assertThat(response.headers().firstValue("x-should-retry")).hasValue("true");
    assertThat(response.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
  }

  @Test
  void sendsRetryHeadersOnServerErrorsButNotOnClientErrors() {
    HttpResponse<String> server = http.post("/v1/responses", "{}", join(OPENAI_AUTH, "x-fake-status", "503"));
    HttpResponse<String> client = http.post("/v1/responses", "{}", join(OPENAI_AUTH, "x-fake-status", "400"));

    assertThat(server.statusCode()).isEqualTo(503);
    assertOpenAiError(server.body(), "server_error");
    assertThat(server.headers().firstValue("x-should-retry")).hasValue("true");
    assertThat(client.statusCode()).isEqualTo(400);
    assertThat(client.headers().firstValue("x-should-retry")).isEmpty();
  }

  @Test
  void rejectsBadControlHeadersInsteadOfIgnoringThem() {
    HttpResponse<String> typo = http.post("/v1/chat/completions", "{}", join(OPENAI_AUTH, "x-fake-chunk", "3"));
    HttpResponse<String> inconsistent = http.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[]}", join(OPENAI_AUTH, "x-fake-usage", "input=10,cached=20"));

    assertThat(typo.statusCode()).isEqualTo(400);
    assertThat(assertOpenAiError(typo.body(), "invalid_request_error").get("message").asText()).contains("x-fake-chunk");
    assertThat(inconsistent.statusCode()).isEqualTo(400);
    assertThat(assertOpenAiError(inconsistent.body(), "invalid_request_error").get("message").asText())
        .contains("cached=20");
  }

  @Test
  void waitsTheRequestedDelayBeforeAnswering() {
    long start = System.nanoTime();
    HttpResponse<String> response = http.post("/v1/chat/completions",
        "{\"model\":\"gpt-4o\",\"messages\":[]}", join(OPENAI_AUTH, "x-fake-delay-ms", "150"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(150);
    assertThat(Long.parseLong(response.headers().firstValue("openai-processing-ms").orElseThrow()))
        .isGreaterThanOrEqualTo(150);
  }

  /** The error object, after checking the spec's four required keys are all present. */
  private static JsonNode assertOpenAiError(String body, String type) {
    JsonNode json = TestHttp.parse(body);
    assertThat(json.fieldNames()).toIterable().containsExactly("error");
    JsonNode error = json.get("error");
    assertThat(error.fieldNames()).toIterable().containsExactly("message", "type", "param", "code");
    assertThat(error.get("type").asText()).isEqualTo(type);
    return error;
  }
}
