package dev.tollgate.edge.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.edge.provider.Bodies;
import dev.tollgate.edge.provider.ProtocolAdapter;
import dev.tollgate.edge.provider.ResponseFacts;
import dev.tollgate.edge.provider.ResponseObserver;
import java.util.Arrays;
import java.util.List;

/**
 * Usage extraction of every protocol and operation, from SSE streams and JSON bodies, fed
 * arbitrary bytes: it never throws, never reports a negative count or an over-long text, and
 * reads the same facts whatever the read boundaries (for a JSON body: when it is valid JSON; each
 * SSE event is parsed whole, so streams are checked for any bytes).
 *
 * <p>Input layout: byte 0 picks the protocol/operation (bits 1..) and SSE or JSON (bit 0); bytes
 * 1..3 seed the random split; the rest is the response body.
 */
final class ResponseUsageFuzzTest {

  private static final String[][] TARGETS = {
      {"openai", "chat"}, {"openai", "responses"}, {"openai", "embeddings"},
      {"anthropic", "messages"}, {"gemini", "generate_content"}};

  /** The facts compared across splits; every field the edge publishes. */
  private record Snapshot(boolean usageReported, long input, long cacheRead, long cacheWrite, long cacheWrite1h,
                          long output, long reasoning, String model, String id, List<String> finishReasons,
                          String errorType, String serviceTier, Long firstTokenAt) {}

  @FuzzTest(maxDuration = "15s")
  void readsTheSameUsageWhateverTheSplitPoints(byte[] input) {
    if (input.length < 4) {
      return;
    }
    int selector = input[0] & 0xff;
    String[] target = TARGETS[(selector >>> 1) % TARGETS.length];
    String contentType = (selector & 1) == 0 ? "text/event-stream" : "application/json";
    byte[] body = Arrays.copyOfRange(input, 4, input.length);

    List<List<byte[]>> splits = Chunks.splits(body, Chunks.seed(input));
    Snapshot whole = observe(target, contentType, splits.get(0));
    assertThat(List.of(whole.input(), whole.cacheRead(), whole.cacheWrite(), whole.cacheWrite1h(),
        whole.output(), whole.reasoning())).allSatisfy(count -> assertThat(count).isNotNegative());
    for (String text : Arrays.asList(whole.model(), whole.id(), whole.errorType(), whole.serviceTier())) {
      assertThat(text == null || (!text.isEmpty() && text.length() <= 256)).as("text %s", text).isTrue();
    }
    if (contentType.equals("text/event-stream") || JsonDocuments.isValid(body)) { // see AsyncJsonSplitRegressionTest
      for (List<byte[]> split : splits.subList(1, splits.size())) {
        assertThat(observe(target, contentType, split)).isEqualTo(whole);
      }
    }
  }

  private static Snapshot observe(String[] target, String contentType, List<byte[]> chunks) {
    ResponseFacts facts = new ResponseFacts(() -> 42L);
    ResponseObserver observer = ProtocolAdapter.forProtocol(target[0]).observer(target[1], contentType, null, facts);
    Bodies.deliver(Bodies.wrapped(chunks), observer::onBody, observer::onLastBody);
    return new Snapshot(facts.usageReported(), facts.inputTokens(), facts.cacheReadInputTokens(),
        facts.cacheWriteInputTokens(), facts.cacheWrite1hInputTokens(), facts.outputTokens(), facts.reasoningTokens(),
        facts.responseModel(), facts.responseId(), List.copyOf(facts.finishReasons()), facts.errorType(),
        facts.serviceTier(), facts.firstTokenAtMicros());
  }
}
