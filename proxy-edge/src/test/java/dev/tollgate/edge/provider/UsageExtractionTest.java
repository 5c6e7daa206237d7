package dev.tollgate.edge.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UsageExtractionTest {

  private static final String SSE = "text/event-stream; charset=utf-8";
  private static final String JSON = "application/json";

  private long now = 1_000;

  private ResponseFacts read(String protocol, String operation, String contentType, String body, int pieceSize) {
    return read(protocol, operation, contentType, null, body.getBytes(StandardCharsets.UTF_8), pieceSize);
  }

  private ResponseFacts read(String protocol, String operation, String contentType, String encoding, byte[] body, int pieceSize) {
    ResponseFacts facts = new ResponseFacts(() -> now++);
    ResponseObserver observer = ProtocolAdapter.forProtocol(protocol).observer(operation, contentType, encoding, facts);
    Bodies.deliver(Bodies.pieces(body, pieceSize), untouched(observer::onBody), untouched(observer::onLastBody));
    return facts;
  }

  /** Reads a chunk and checks the reader left it as it was: the chunk itself is forwarded. */
  private static Consumer<ByteBuf> untouched(Consumer<ByteBuf> read) {
    return chunk -> {
      int readerIndex = chunk.readerIndex();
      read.accept(chunk);
      assertThat(chunk.readerIndex()).isEqualTo(readerIndex);
      assertThat(chunk.refCnt()).isEqualTo(1);
    };
  }

  private static final String CHAT_BODY = """
      {"id":"chatcmpl-1","object":"chat.completion","created":1741569952,"model":"gpt-4o-2024-08-06",
       "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null},"logprobs":null,"finish_reason":"stop"}],
       "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
        "prompt_tokens_details":{"cached_tokens":1920,"audio_tokens":0},
        "completion_tokens_details":{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},
        "some_future_field":{"nested":[1,2,3]}},
       "service_tier":"default","system_fingerprint":"fp_x"}
      """;

  @ParameterizedTest
  @ValueSource(ints = {1, 100, Integer.MAX_VALUE})
  void readsOpenAiChatUsageFromANonStreamBodyFedInPiecesOrWhole(int piece) {
    ResponseFacts facts = read("openai", "chat", JSON, CHAT_BODY, piece);

    assertThat(facts.usageReported()).isTrue();
    assertThat(facts.inputTokens()).isEqualTo(2006);
    assertThat(facts.cacheReadInputTokens()).isEqualTo(1920);
    assertThat(facts.outputTokens()).isEqualTo(300);
    assertThat(facts.reasoningTokens()).isEqualTo(192);
    assertThat(facts.responseModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(facts.responseId()).isEqualTo("chatcmpl-1");
    assertThat(facts.finishReasons()).containsExactly("stop");
    assertThat(facts.serviceTier()).isEqualTo("default");
    assertThat(facts.firstTokenAtMicros()).isNull(); // set by the exchange when the whole body is in
  }

  @Test
  void readsUsageFromAGzippedBodyWhileTheCompressedBytesAreLeftAlone() throws IOException {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(compressed)) {
      gzip.write(CHAT_BODY.getBytes(StandardCharsets.UTF_8));
    }

    ResponseFacts facts = read("openai", "chat", JSON, "gzip", compressed.toByteArray(), 7);

    assertThat(facts.inputTokens()).isEqualTo(2006);
    assertThat(facts.outputTokens()).isEqualTo(300);
  }

  @Test
  void ignoresABodyInAnEncodingItCannotRead() {
    ResponseFacts facts = read("openai", "chat", JSON, "br", CHAT_BODY.getBytes(StandardCharsets.UTF_8), 64);

    assertThat(facts.usageReported()).isFalse();
  }

  private static final String CHAT_STREAM = """
      data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0}]}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"r4N7"}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":3}}}

      data: [DONE]

      """;

  @Test
  void readsOpenAiChatStreamUsageFromTheChunkWhoseUsageIsNotNull() {
    for (int piece : new int[] {1, 2, 5, 13, 64, 10_000}) {
      now = 1_000;
      ResponseFacts facts = read("openai", "chat", SSE, CHAT_STREAM, piece);

      assertThat(facts.usageReported()).as("piece %d", piece).isTrue();
      assertThat(facts.inputTokens()).isEqualTo(19);
      assertThat(facts.cacheReadInputTokens()).isEqualTo(4);
      assertThat(facts.outputTokens()).isEqualTo(10);
      assertThat(facts.reasoningTokens()).isEqualTo(3);
      assertThat(facts.responseModel()).isEqualTo("gpt-4o-mini-2024-07-18"); // not the empty Azure first chunk
      assertThat(facts.responseId()).isEqualTo("chatcmpl-1");
      assertThat(facts.finishReasons()).containsExactly("stop");
      assertThat(facts.firstTokenAtMicros()).isNotNull();
    }
  }

  @Test
  void readsTheStreamWithCrLfLineEndings() {
    ResponseFacts facts = read("openai", "chat", SSE, CHAT_STREAM.replace("\n", "\r\n"), 3);

    assertThat(facts.inputTokens()).isEqualTo(19);
    assertThat(facts.outputTokens()).isEqualTo(10);
  }

  @Test
  void reportsNoUsageForAStreamWithoutTheUsageChunk() {
    String withoutUsage = CHAT_STREAM.lines().filter(l -> !l.contains("\"usage\":{")).reduce("", (a, b) -> a + b + "\n");

    ResponseFacts facts = read("openai", "chat", SSE, withoutUsage, 9);

    assertThat(facts.usageReported()).isFalse();
    assertThat(facts.inputTokens()).isZero();
    assertThat(facts.finishReasons()).containsExactly("stop");
  }

  @Test
  void recordsAnErrorInsideAChatStream() {
    String stream = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
        + "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";

    ResponseFacts facts = read("openai", "chat", SSE, stream, 5);

    assertThat(facts.errorType()).isEqualTo("server_error");
  }

  @Test
  void readsTheErrorTypeOfAnOpenAiAndAnAzureErrorBody() {
    ResponseFacts openai = read("openai", "chat", JSON,
        "{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}", 4);
    ResponseFacts azure = read("openai", "chat", JSON, "{\"error\":{\"code\":\"429\",\"message\":\"slow down\"}}", 4);

    assertThat(openai.errorType()).isEqualTo("invalid_request_error");
    assertThat(azure.errorType()).isEqualTo("429");
  }

  @Test
  void readsEmbeddingsUsage() {
    ResponseFacts facts = read("openai", "embeddings", JSON,
        "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1,-0.2]}],"
            + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}", 3);

    assertThat(facts.usageReported()).isTrue();
    assertThat(facts.inputTokens()).isEqualTo(8);
    assertThat(facts.outputTokens()).isZero();
    assertThat(facts.responseModel()).isEqualTo("text-embedding-3-small");
  }

  @Test
  void readsResponsesApiUsageFromANonStreamBody() {
    ResponseFacts facts = read("openai", "responses", JSON,
        "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-4.1-2025-04-14\",\"error\":null,"
            + "\"usage\":{\"input_tokens\":2006,\"input_tokens_details\":{\"cached_tokens\":1920},"
            + "\"output_tokens\":1186,\"output_tokens_details\":{\"reasoning_tokens\":1024},\"total_tokens\":3192}}", 11);

    assertThat(facts.inputTokens()).isEqualTo(2006);
    assertThat(facts.cacheReadInputTokens()).isEqualTo(1920);
    assertThat(facts.outputTokens()).isEqualTo(1186);
    assertThat(facts.reasoningTokens()).isEqualTo(1024);
    assertThat(facts.responseId()).isEqualTo("resp_1");
    assertThat(facts.finishReasons()).containsExactly("completed");
  }

  @Test
  void readsResponsesApiStreamUsageFromTheTerminalEvent() {
    String stream = """
        event: response.created
        data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-4.1","output":[],"usage":null}}

        event: response.output_text.delta
        data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi","logprobs":[]}

        event: response.completed
        data: {"type":"response.completed","sequence_number":8,"response":{"id":"resp_1","object":"response","status":"completed","model":"gpt-4.1","usage":{"input_tokens":50,"input_tokens_details":{"cached_tokens":10},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":5},"total_tokens":70}}}

        """;

    ResponseFacts facts = read("openai", "responses", SSE, stream, 1);

    assertThat(facts.inputTokens()).isEqualTo(50);
    assertThat(facts.cacheReadInputTokens()).isEqualTo(10);
    assertThat(facts.outputTokens()).isEqualTo(20);
    assertThat(facts.reasoningTokens()).isEqualTo(5);
    assertThat(facts.finishReasons()).containsExactly("completed");
    assertThat(facts.firstTokenAtMicros()).isNotNull();
  }

  @Test
  void recordsTheResponsesApiErrorEvent() {
    String stream = "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"x\",\"param\":null,\"sequence_number\":3}\n\n";

    assertThat(read("openai", "responses", SSE, stream, 2).errorType()).isEqualTo("server_error");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, Integer.MAX_VALUE})
  void normalisesAnthropicNonStreamUsageToAllPromptTokens(int piece) {
    String body = """
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
         "content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":12,"cache_creation_input_tokens":1500,"cache_read_input_tokens":2048,
          "cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":500},
          "output_tokens":300,"server_tool_use":{"web_search_requests":0},"service_tier":"standard"}}
        """;

    ResponseFacts facts = read("anthropic", "messages", JSON, body, piece);

    assertThat(facts.inputTokens()).isEqualTo(12 + 1500 + 2048);
    assertThat(facts.cacheReadInputTokens()).isEqualTo(2048);
    assertThat(facts.cacheWriteInputTokens()).isEqualTo(1500);
    assertThat(facts.cacheWrite1hInputTokens()).isEqualTo(500);
    assertThat(facts.outputTokens()).isEqualTo(300);
    assertThat(facts.finishReasons()).containsExactly("end_turn");
    assertThat(facts.serviceTier()).isEqualTo("standard");
    assertThat(facts.responseModel()).isEqualTo("claude-sonnet-4-5-20250929");
  }

  private static final String ANTHROPIC_STREAM = """
      event: message_start
      data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":100,"cache_read_input_tokens":200,"output_tokens":1}}}

      event: content_block_start
      data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

      event: ping
      data: {"type": "ping"}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"output_tokens":7}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":0}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}

      event: message_stop
      data: {"type":"message_stop"}

      """;

  @Test
  void takesTheLatestCumulativeAnthropicMessageDeltaUsageNeverTheSum() {
    for (int piece : new int[] {1, 3, 17, 100_000}) {
      ResponseFacts facts = read("anthropic", "messages", SSE, ANTHROPIC_STREAM, piece);

      assertThat(facts.usageReported()).isTrue();
      assertThat(facts.outputTokens()).as("piece %d", piece).isEqualTo(15);
      assertThat(facts.inputTokens()).isEqualTo(25 + 100 + 200);
      assertThat(facts.cacheReadInputTokens()).isEqualTo(200);
      assertThat(facts.cacheWriteInputTokens()).isEqualTo(100);
      assertThat(facts.finishReasons()).containsExactly("end_turn");
      assertThat(facts.responseId()).isEqualTo("msg_1");
      assertThat(facts.firstTokenAtMicros()).isNotNull();
    }
  }

  @Test
  void letsAMessageDeltaWithInputCountsReplaceTheStartCounts() {
    String stream = ANTHROPIC_STREAM.replace("\"usage\":{\"output_tokens\":15}",
        "\"usage\":{\"input_tokens\":30,\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":200,\"output_tokens\":15}");

    ResponseFacts facts = read("anthropic", "messages", SSE, stream, 8);

    assertThat(facts.inputTokens()).isEqualTo(30 + 100 + 200);
    assertThat(facts.outputTokens()).isEqualTo(15);
  }

  @Test
  void recordsAnAnthropicErrorEventAfterTheStatus200() {
    String stream = ANTHROPIC_STREAM.substring(0, ANTHROPIC_STREAM.indexOf("event: content_block_start"))
        + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";

    ResponseFacts facts = read("anthropic", "messages", SSE, stream, 5);

    assertThat(facts.errorType()).isEqualTo("overloaded_error");
    assertThat(facts.outputTokens()).isEqualTo(1);
  }

  @Test
  void readsTheLatestGeminiUsageSnapshotAndAddsThinkingToOutput() {
    String stream = """
        data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}],"usageMetadata":{"promptTokenCount":1200,"totalTokenCount":1200},"modelVersion":"gemini-2.5-flash","responseId":"r1"}

        data: {"candidates":[{"content":{"role":"model","parts":[{"text":" there"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1200,"cachedContentTokenCount":1024,"candidatesTokenCount":40,"thoughtsTokenCount":310,"toolUsePromptTokenCount":5,"totalTokenCount":1555},"modelVersion":"gemini-2.5-flash","responseId":"r1"}

        """;

    ResponseFacts facts = read("gemini", "generate_content", SSE, stream, 6);

    assertThat(facts.inputTokens()).isEqualTo(1205);
    assertThat(facts.cacheReadInputTokens()).isEqualTo(1024);
    assertThat(facts.outputTokens()).isEqualTo(350);
    assertThat(facts.reasoningTokens()).isEqualTo(310);
    assertThat(facts.finishReasons()).containsExactly("STOP");
    assertThat(facts.responseModel()).isEqualTo("gemini-2.5-flash");
  }

  @Test
  void countsPastTheLargestLongStayTheLargestLongWhenSummed() {
    // Found by ResponseUsageFuzzTest: 1e999 reads as Long.MAX_VALUE, and the sums used to wrap negative.
    ResponseFacts gemini = read("gemini", "generate_content", JSON, "{\"usageMetadata\":{\"promptTokenCount\":8,"
        + "\"toolUsePromptTokenCount\":1e999,\"candidatesTokenCount\":9223372036854775807,\"thoughtsTokenCount\":3}}", 5);
    ResponseFacts anthropic = read("anthropic", "messages", JSON, "{\"usage\":{\"input_tokens\":5,"
        + "\"cache_creation_input_tokens\":9223372036854775807,\"cache_read_input_tokens\":1e999,\"output_tokens\":2}}", 5);

    assertThat(gemini.inputTokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(gemini.outputTokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(anthropic.inputTokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(anthropic.outputTokens()).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, Integer.MAX_VALUE})
  void readsGeminiUsageFromAJsonArrayStream(int piece) {
    String body = "[{\"usageMetadata\":{\"promptTokenCount\":3}},{\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":4}}]";

    ResponseFacts facts = read("gemini", "generate_content", JSON, body, piece);

    assertThat(facts.inputTokens()).isEqualTo(3);
    assertThat(facts.outputTokens()).isEqualTo(4);
  }

  @ParameterizedTest
  @ValueSource(ints = {3, Integer.MAX_VALUE})
  void leavesUsageUnknownForMalformedJson(int piece) {
    ResponseFacts facts = read("openai", "chat", JSON, "{\"id\":\"x\",\"usage\":{\"prompt_tokens\":nope}}", piece);

    assertThat(facts.responseId()).isEqualTo("x");
    assertThat(facts.inputTokens()).isZero();
  }
}
