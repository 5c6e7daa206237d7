package dev.tollgate.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIException;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official openai-java SDK, pointed at the fake, parses every shape and the exact usage numbers. */
class OpenAiSdkTest {

  private static final String USAGE = "input=2006,output=300,cached=1920,reasoning=192";

  private static FakeProvider fake;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    fake = FakeProvider.start(0);
    client = OpenAIOkHttpClient.builder().apiKey("sk-test").baseUrl(fake.baseUrl() + "/v1").maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    fake.close();
  }

  private static ChatCompletionCreateParams.Builder chat() {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("hi")
        .putAdditionalHeader("x-fake-usage", USAGE);
  }

  @Test
  void parsesAChatCompletionAndItsUsage() {
    ChatCompletion completion = client.chat().completions().create(chat().build()).validate();

    assertThat(completion.model()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(completion.choices().get(0).message().content()).hasValue(Content.text(Controls.DEFAULT_CHUNKS));
    CompletionUsage usage = completion.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(2006);
    assertThat(usage.completionTokens()).isEqualTo(300);
    assertThat(usage.totalTokens()).isEqualTo(2306);
    assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).hasValue(1920L);
    assertThat(usage.completionTokensDetails().orElseThrow().reasoningTokens()).hasValue(192L);
    assertThat(fake.requests().get(fake.requests().size() - 1).header("authorization")).hasValue("Bearer sk-test");
  }

  @Test
  void parsesAChatStreamWithTheUsageChunk() {
    ChatCompletionCreateParams params = chat()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .putAdditionalHeader("x-fake-chunks", "3")
        .build();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
      stream.stream().forEach(chunk -> chunks.add(chunk.validate()));
    }

    // role, 3 deltas, finish, usage ([DONE] is consumed by the SDK)
    assertThat(chunks).hasSize(6);
    StringBuilder text = new StringBuilder();
    chunks.forEach(c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
    assertThat(text).hasToString("Hello from the");
    assertThat(chunks.subList(0, 5)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    ChatCompletionChunk last = chunks.get(5);
    assertThat(last.choices()).isEmpty();
    CompletionUsage usage = last.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(2006);
    assertThat(usage.completionTokens()).isEqualTo(300);
    assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).hasValue(1920L);
  }

  @Test
  void surfacesAMidStreamErrorAsAnException() {
    ChatCompletionCreateParams params = chat().putAdditionalHeader("x-fake-fail", "mid-stream-error").build();

    assertThatThrownBy(() -> {
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
        stream.stream().forEach(chunk -> { });
      }
    }).isInstanceOf(OpenAIException.class);
  }

  @Test
  void parsesAResponseAndItsUsage() {
    Response response = client.responses().create(ResponseCreateParams.builder()
        .model("gpt-4o-mini").input("hi")
        .putAdditionalHeader("x-fake-usage", USAGE + ",cache_write=10").build()).validate();

    assertThat(response.model().toString()).contains("gpt-4o-mini-2024-07-18");
    assertThat(response.status()).hasValueSatisfying(s -> assertThat(s.asString()).isEqualTo("completed"));
    ResponseUsage usage = response.usage().orElseThrow();
    assertThat(usage.inputTokens()).isEqualTo(2006);
    assertThat(usage.inputTokensDetails().cachedTokens()).isEqualTo(1920);
    assertThat(usage.inputTokensDetails().cacheWriteTokens()).isEqualTo(10);
    assertThat(usage.outputTokens()).isEqualTo(300);
    assertThat(usage.outputTokensDetails().reasoningTokens()).isEqualTo(192);
    assertThat(usage.totalTokens()).isEqualTo(2306);
  }

  @Test
  void parsesAResponseStreamEndingInResponseCompleted() {
    List<ResponseStreamEvent> events = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams.builder()
        .model("gpt-4o-mini").input("hi").putAdditionalHeader("x-fake-usage", USAGE).build())) {
      stream.stream().forEach(event -> events.add(event.validate()));
    }

    assertThat(events.get(0).isCreated()).isTrue();
    StringBuilder text = new StringBuilder();
    events.forEach(e -> e.outputTextDelta().ifPresent(d -> text.append(d.delta())));
    assertThat(text).hasToString(Content.text(Controls.DEFAULT_CHUNKS));
    ResponseStreamEvent last = events.get(events.size() - 1);
    assertThat(last.isCompleted()).isTrue();
    ResponseUsage usage = last.asCompleted().response().usage().orElseThrow();
    assertThat(usage.inputTokens()).isEqualTo(2006);
    assertThat(usage.outputTokens()).isEqualTo(300);
  }

  @Test
  void parsesEmbeddings() {
    CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("text-embedding-3-small").input("hello").dimensions(16)
        .putAdditionalHeader("x-fake-usage", "input=8").build()).validate();

    assertThat(response.data()).hasSize(1);
    assertThat(response.data().get(0).embedding()).hasSize(16);
    assertThat(response.usage().promptTokens()).isEqualTo(8);
    assertThat(response.usage().totalTokens()).isEqualTo(8);
  }

  @Test
  void surfacesA429AsRateLimitException() {
    ChatCompletionCreateParams params = chat().putAdditionalHeader("x-fake-status", "429").build();

    assertThatThrownBy(() -> client.chat().completions().create(params))
        .isInstanceOfSatisfying(RateLimitException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(429);
          assertThat(e.code()).hasValue("rate_limit_exceeded");
          assertThat(e.type()).hasValue("requests");
          assertThat(e.headers().values("retry-after-ms")).containsExactly("1000");
        });
  }
}
