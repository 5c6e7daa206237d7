package dev.tollgate.event.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.event.InvocationEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

/** The codec's fast writer (custom coders, a kept buffer) writes exactly Avro's generic single-object bytes. */
class InvocationEventEncodingTest {

  private static final BinaryMessageEncoder<InvocationEvent> GENERIC =
      new BinaryMessageEncoder<>(SpecificData.get(), InvocationEvent.getClassSchema());

  private static byte[] generic(InvocationEvent event) {
    try {
      ByteBuffer buffer = GENERIC.encode(event);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InvocationEvent.Builder minimal() {
    return InvocationEvent.newBuilder()
        .setEventId("0b9f5f0e-3c1a-4f57-9a43-2f0c8a9d6b11")
        .setTenant("default")
        .setProviderName("openai")
        .setProtocol("openai")
        .setOperationName("chat")
        .setHttpMethod("POST")
        .setPathTemplate("/v1/chat/completions")
        .setStatusCode(200)
        .setOutcome("ok")
        .setReceivedAtUs(1_700_000_000_000_000L)
        .setCompletedAtUs(1_700_000_000_250_000L)
        .setDurationUs(250_000L);
  }

  private static InvocationEvent full() {
    return minimal()
        .setRequestModel("gpt-4o-mini")
        .setResponseModel("gpt-4o-mini-2024-07-18")
        .setResponseId("chatcmpl-1")
        .setStream(true)
        .setErrorType("http_500")
        .setResponseFinishReasons(List.of("stop", "length"))
        .setUpstreamFirstByteAtUs(1_700_000_000_100_000L)
        .setFirstTokenAtUs(1_700_000_000_120_000L)
        .setTtftUs(120_000L)
        .setRequestBytes(91)
        .setResponseBytes(-1) // zig-zag of a negative long
        .setInputTokens(Long.MAX_VALUE)
        .setCacheReadInputTokens(3)
        .setCacheWriteInputTokens(4)
        .setCacheWrite1hInputTokens(5)
        .setOutputTokens(6)
        .setReasoningTokens(7)
        .setUsageSource("reported")
        .setServiceTier("default")
        .setUser("ana")
        .setTeam("search – ünïcode 检索")
        .setService("api")
        .setEnvironment("prod")
        .setTags(Map.of("feature", "summary", "k", "", "ключ", "значение"))
        .setKeyFingerprint("ab".repeat(32))
        .setTraceId("0af7651916cd43dd8448eb211c80319c")
        .setSpanId("b7ad6b7169203331")
        .setEdgeInstance("edge-1")
        .build();
  }

  @Test
  void writesTheGenericBytesForEveryFieldSet() {
    InvocationEvent event = full();

    assertThat(InvocationEventCodec.encode(event)).isEqualTo(generic(event));
    assertThat(InvocationEventCodec.decode(InvocationEventCodec.encode(event))).isEqualTo(event);
  }

  @Test
  void writesTheGenericBytesWithOptionalFieldsNullAndCollectionsEmpty() {
    InvocationEvent event = minimal().build();

    assertThat(InvocationEventCodec.encode(event)).isEqualTo(generic(event));
  }

  @Test
  void writesTheGenericBytesForAnEventLargerThanTheKeptBuffer() {
    InvocationEvent large = minimal().setTeam("t".repeat(InvocationEventCodec.MAX_KEPT_BUFFER + 1)).build();
    InvocationEvent small = full();

    assertThat(InvocationEventCodec.encode(large)).isEqualTo(generic(large));
    assertThat(InvocationEventCodec.encode(small)).isEqualTo(generic(small)); // nothing left over
  }
}
