package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.testkit.KafkaExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official OpenAI, Anthropic and Google SDKs, with only their base URL pointed at the edge,
 * work against the fake provider exactly as they do direct, and every call is recorded with the
 * exact usage, time to first token, status and outcome.
 */
class SdkIT {

  @RegisterExtension
  static final KafkaExtension kafka = new KafkaExtension();

  /** Spool directories, removed after the class. */
  @TempDir
  static Path tmp;

  private static final String TOPIC = "tollgate.invocations.sdk-it";
  private static final String USER = "X-Tollgate-User";
  private static final String USAGE = "input=2006,output=300,cached=1920,reasoning=192";

  private static FakeProvider fake;
  private static EdgeServer edge;
  private static RecordedEvents events;
  private static OpenAIClient openai;
  private static AnthropicClient anthropic;
  private static Client gemini;

  @BeforeAll
  static void start() throws IOException {
    kafka.createTopic(TOPIC, 1);
    fake = FakeProvider.start(0);
    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: sdk-it
          shutdown_grace_period: 1s
          spool:
            dir: %s
        providers:
          openai:
            base_url: %s
          anthropic:
            base_url: %s
          gemini:
            base_url: %s
        kafka:
          bootstrap_servers: %s
          topics:
            invocations: %s
        """.formatted(Files.createTempDirectory(tmp, "sdk-it-spool"), fake.baseUrl(), fake.baseUrl(), fake.baseUrl(),
        kafka.bootstrapServers(), TOPIC);
    edge = EdgeServer.start(EdgeConfig.from(ConfigSource.parse("sdk-it", yaml, Map.of())));
    events = new RecordedEvents(kafka.bootstrapServers(), TOPIC);
    String base = "http://127.0.0.1:" + edge.port();
    openai = OpenAIOkHttpClient.builder().apiKey("sk-sdk-it").baseUrl(base + "/openai/v1").maxRetries(0).build();
    anthropic = AnthropicOkHttpClient.builder().apiKey("sk-ant-sdk-it").baseUrl(base + "/anthropic").maxRetries(0).build();
    gemini = Client.builder().apiKey("AIza-sdk-it").httpOptions(HttpOptions.builder().baseUrl(base + "/gemini")
        .retryOptions(HttpRetryOptions.builder().attempts(1).build()).build()).build();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {openai::close, anthropic::close, gemini, events, edge, fake}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private static ChatCompletionCreateParams.Builder chat(String user) {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage("hi")
        .putAdditionalHeader("x-fake-usage", USAGE).putAdditionalHeader(USER, user);
  }

  @Test
  void recordsAnOpenAiChatCompletion() {
    ChatCompletion completion = openai.chat().completions().create(chat("sdk-chat").build()).validate();

    assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(2006);
    InvocationEvent event = events.single("sdk-chat");
    assertOk(event, "openai", "chat", false);
    assertOpenAiUsage(event);
    assertThat(event.getRequestModel()).isEqualTo("gpt-4o-mini");
    assertThat(event.getResponseModel()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(event.getResponseId()).isEqualTo(completion.id());
    assertThat(event.getResponseFinishReasons()).containsExactly("stop");
  }

  @Test
  void recordsAnOpenAiChatStreamWithoutShowingTheSdkTheUsageItDidNotAskFor() {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions()
        .createStreaming(chat("sdk-chat-stream").putAdditionalHeader("x-fake-chunks", "3").build())) {
      stream.stream().forEach(chunk -> chunks.add(chunk.validate()));
    }

    // role, 3 deltas, finish: the usage chunk the edge asked for is not passed on.
    assertThat(chunks).hasSize(5).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    StringBuilder text = new StringBuilder();
    chunks.forEach(c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
    assertThat(text).hasToString("Hello from the");
    InvocationEvent event = events.single("sdk-chat-stream");
    assertOk(event, "openai", "chat", true);
    assertOpenAiUsage(event);
  }

  @Test
  void recordsAnOpenAiResponse() {
    Response response = openai.responses().create(ResponseCreateParams.builder().model("gpt-4o-mini").input("hi")
        .putAdditionalHeader("x-fake-usage", USAGE).putAdditionalHeader(USER, "sdk-responses").build()).validate();

    assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(300);
    InvocationEvent event = events.single("sdk-responses");
    assertOk(event, "openai", "responses", false);
    assertOpenAiUsage(event);
    assertThat(event.getResponseId()).isEqualTo(response.id());
  }

  @Test
  void recordsAnOpenAiResponseStream() {
    List<ResponseStreamEvent> received = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream = openai.responses().createStreaming(ResponseCreateParams.builder()
        .model("gpt-4o-mini").input("hi").putAdditionalHeader("x-fake-usage", USAGE)
        .putAdditionalHeader(USER, "sdk-responses-stream").build())) {
      stream.stream().forEach(e -> received.add(e.validate()));
    }

    assertThat(received.get(received.size() - 1).isCompleted()).isTrue();
    InvocationEvent event = events.single("sdk-responses-stream");
    assertOk(event, "openai", "responses", true);
    assertOpenAiUsage(event);
    assertThat(event.getResponseFinishReasons()).containsExactly("completed");
  }

  @Test
  void recordsOpenAiEmbeddings() {
    CreateEmbeddingResponse response = openai.embeddings().create(EmbeddingCreateParams.builder()
        .model("text-embedding-3-small").input("hello").dimensions(8)
        .putAdditionalHeader("x-fake-usage", "input=8").putAdditionalHeader(USER, "sdk-embeddings").build()).validate();

    assertThat(response.data().get(0).embedding()).hasSize(8);
    InvocationEvent event = events.single("sdk-embeddings");
    assertOk(event, "openai", "embeddings", false);
    assertThat(event.getInputTokens()).isEqualTo(8);
    assertThat(event.getOutputTokens()).isZero();
    assertThat(event.getUsageSource()).isEqualTo("reported");
  }

  @Test
  void surfacesAnUpstream429AsTheSdksRateLimitExceptionAndRecordsIt() {
    ChatCompletionCreateParams params = chat("sdk-429").putAdditionalHeader("x-fake-status", "429").build();

    assertThatThrownBy(() -> openai.chat().completions().create(params))
        .isInstanceOfSatisfying(RateLimitException.class, e -> {
          assertThat(e.statusCode()).isEqualTo(429);
          assertThat(e.code()).hasValue("rate_limit_exceeded");
          assertThat(e.headers().values("retry-after-ms")).containsExactly("1000");
        });
    InvocationEvent event = events.single("sdk-429");
    assertThat(event.getStatusCode()).isEqualTo(429);
    assertThat(event.getOutcome()).isEqualTo("upstream_error");
    assertThat(event.getErrorType()).isEqualTo("requests");
    assertThat(event.getUsageSource()).isEqualTo("none");
  }

  private static MessageCreateParams.Builder message(String user) {
    return MessageCreateParams.builder().model("claude-sonnet-4-5").maxTokens(100).addUserMessage("hi")
        .putAdditionalHeader("x-fake-usage", "input=3560,output=300,cached=2048,cache_write=1500,cache_write_1h=500")
        .putAdditionalHeader(USER, user);
  }

  @Test
  void recordsAnAnthropicMessage() {
    Message message = anthropic.messages().create(message("sdk-messages").build()).validate();

    assertThat(message.usage().inputTokens()).isEqualTo(12); // 3560 - 2048 - 1500
    InvocationEvent event = events.single("sdk-messages");
    assertOk(event, "anthropic", "messages", false);
    assertAnthropicUsage(event);
    assertThat(event.getResponseId()).isEqualTo(message.id());
    assertThat(event.getResponseFinishReasons()).containsExactly("end_turn");
  }

  @Test
  void recordsAnAnthropicMessageStream() {
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream =
        anthropic.messages().createStreaming(message("sdk-messages-stream").build())) {
      stream.stream().forEach(e -> accumulator.accumulate(e.validate()));
    }

    assertThat(accumulator.message().usage().outputTokens()).isEqualTo(300);
    InvocationEvent event = events.single("sdk-messages-stream");
    assertOk(event, "anthropic", "messages", true);
    assertAnthropicUsage(event);
  }

  private static GenerateContentConfig geminiConfig(String user) {
    return GenerateContentConfig.builder().httpOptions(HttpOptions.builder().headers(Map.of(
        "x-fake-usage", "input=1200,cached=1024,output=350,reasoning=310", USER, user)).build()).build();
  }

  @Test
  void recordsAGeminiGenerateContent() {
    GenerateContentResponse response = gemini.models.generateContent("gemini-2.5-flash", "hi", geminiConfig("sdk-gemini"));

    assertThat(response.usageMetadata().orElseThrow().thoughtsTokenCount()).contains(310);
    InvocationEvent event = events.single("sdk-gemini");
    assertOk(event, "gemini", "generate_content", false);
    assertGeminiUsage(event);
    assertThat(event.getRequestModel()).isEqualTo("gemini-2.5-flash");
    assertThat(event.getPathTemplate()).endsWith("/models/{model}:generateContent");
    assertThat(event.getResponseFinishReasons()).containsExactly("STOP");
  }

  @Test
  void recordsAGeminiStream() {
    List<GenerateContentResponse> chunks = new ArrayList<>();
    try (ResponseStream<GenerateContentResponse> stream =
        gemini.models.generateContentStream("gemini-2.5-flash", "hi", geminiConfig("sdk-gemini-stream"))) {
      stream.forEach(chunks::add);
    }

    assertThat(chunks).hasSize(6);
    InvocationEvent event = events.single("sdk-gemini-stream");
    assertOk(event, "gemini", "generate_content", true);
    assertGeminiUsage(event);
  }

  private static void assertOk(InvocationEvent event, String provider, String operation, boolean stream) {
    assertThat(event.getProviderName()).isEqualTo(provider);
    assertThat(event.getOperationName()).isEqualTo(operation);
    assertThat(event.getStream()).isEqualTo(stream);
    assertThat(event.getStatusCode()).isEqualTo(200);
    assertThat(event.getOutcome()).isEqualTo("ok");
    assertThat(event.getErrorType()).isNull();
    assertThat(event.getUsageSource()).isEqualTo("reported");
    assertThat(event.getKeyFingerprint()).matches("[0-9a-f]{64}");
    assertThat(event.getTtftUs()).isNotNull().isPositive().isLessThanOrEqualTo(event.getDurationUs());
    assertThat(event.getUpstreamFirstByteAtUs()).isBetween(event.getReceivedAtUs(), event.getFirstTokenAtUs());
  }

  private static void assertOpenAiUsage(InvocationEvent event) {
    assertThat(event.getInputTokens()).isEqualTo(2006);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(1920);
    assertThat(event.getCacheWriteInputTokens()).isZero();
    assertThat(event.getOutputTokens()).isEqualTo(300);
    assertThat(event.getReasoningTokens()).isEqualTo(192);
  }

  private static void assertAnthropicUsage(InvocationEvent event) {
    assertThat(event.getInputTokens()).isEqualTo(3560);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(2048);
    assertThat(event.getCacheWriteInputTokens()).isEqualTo(1500);
    assertThat(event.getCacheWrite1hInputTokens()).isEqualTo(500);
    assertThat(event.getOutputTokens()).isEqualTo(300);
  }

  private static void assertGeminiUsage(InvocationEvent event) {
    assertThat(event.getInputTokens()).isEqualTo(1200);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(1024);
    assertThat(event.getOutputTokens()).isEqualTo(350); // candidates 40 + thoughts 310
    assertThat(event.getReasoningTokens()).isEqualTo(310);
  }
}
