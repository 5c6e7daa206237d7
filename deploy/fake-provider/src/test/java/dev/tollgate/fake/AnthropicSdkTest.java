package dev.tollgate.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.Usage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official anthropic-java SDK, pointed at the fake, parses messages and streams with exact usage. */
class AnthropicSdkTest {

  private static final String USAGE = "input=3560,output=300,cached=2048,cache_write=1500,cache_write_1h=500";

  private static FakeProvider fake;
  private static AnthropicClient client;

  @BeforeAll
  static void start() {
    fake = FakeProvider.start(0);
    client = AnthropicOkHttpClient.builder().apiKey("sk-ant-test").baseUrl(fake.baseUrl()).maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    fake.close();
  }

  private static MessageCreateParams.Builder message() {
    return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(100).addUserMessage("hi")
        .putAdditionalHeader("x-fake-usage", USAGE);
  }

  @Test
  void parsesAMessageAndItsUsage() {
    Message message = client.messages().create(message().build()).validate();

    assertThat(message.model().asString()).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(message.content().get(0).asText().text()).isEqualTo(Content.text(Controls.DEFAULT_CHUNKS));
    assertUsage(message.usage());
    assertThat(message.usage().cacheCreation().orElseThrow().ephemeral1hInputTokens()).isEqualTo(500);
    assertThat(message.usage().cacheCreation().orElseThrow().ephemeral5mInputTokens()).isEqualTo(1000);
    // This SDK version sends the key as x-api-key or as a bearer token; the fake takes either.
    RecordedRequest request = fake.requests().get(fake.requests().size() - 1);
    assertThat(request.header("x-api-key").or(() -> request.header("authorization"))).hasValueSatisfying(
        key -> assertThat(key).endsWith("sk-ant-test"));
    assertThat(request.header("anthropic-version")).isPresent();
  }

  @Test
  void accumulatesAStreamToTheSameMessageAndUsage() {
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream =
        client.messages().createStreaming(message().putAdditionalHeader("x-fake-chunks", "4").build())) {
      stream.stream().forEach(event -> accumulator.accumulate(event.validate()));
    }

    Message message = accumulator.message();
    assertThat(message.content().get(0).asText().text()).isEqualTo("Hello from the Tollgate");
    assertThat(message.stopReason()).hasValueSatisfying(r -> assertThat(r.asString()).isEqualTo("end_turn"));
    assertUsage(message.usage());
  }

  @Test
  void surfacesAMidStreamOverloadAsAnException() {
    MessageCreateParams params = message().putAdditionalHeader("x-fake-fail", "mid-stream-error").build();

    assertThatThrownBy(() -> {
      try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
        stream.stream().forEach(event -> { });
      }
    }).isInstanceOf(AnthropicException.class).hasMessageContaining("Overloaded");
  }

  @Test
  void surfacesA529AsOverloadedException() {
    assertThatThrownBy(() -> client.messages().create(message().putAdditionalHeader("x-fake-status", "529").build()))
        .isInstanceOfSatisfying(OverloadedException.class, e -> assertThat(e.statusCode()).isEqualTo(529));
  }

  @Test
  void countsTokens() {
    long tokens = client.messages().countTokens(MessageCountTokensParams.builder()
        .model("claude-sonnet-4-5").addUserMessage("hi").putAdditionalHeader("x-fake-usage", "input=42").build())
        .inputTokens();

    assertThat(tokens).isEqualTo(42);
  }

  private static void assertUsage(Usage usage) {
    assertThat(usage.inputTokens()).isEqualTo(12);
    assertThat(usage.cacheReadInputTokens()).hasValue(2048L);
    assertThat(usage.cacheCreationInputTokens()).hasValue(1500L);
    assertThat(usage.outputTokens()).isEqualTo(300);
  }
}
