package dev.tollgate.edge.provider;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * What reading a chat call's two JSON bodies costs the edge with hot caches: the request sniffed
 * and the response observed as the exchange does (estimator on, each body in one direct buffer,
 * as the transport delivers it), in a loop on one thread. The running edge pays about three times
 * this on shared cores (docs/benchmarks.md); the loop is for comparing builds of the readers.
 *
 * <p>{@code BodyReadingLoop [REPLY_CHARS] [CHUNK_BYTES]}: the reply's content length (default: the
 * fake provider's five words) and the size of the pieces the response arrives in (default: whole).
 * In this package because the readers are package-private.
 */
public final class BodyReadingLoop {

  private static final int CALLS = 500_000;

  private BodyReadingLoop() {}

  public static void main(String[] args) {
    int replyChars = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    int chunkBytes = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
    String content = replyChars == 0 ? "Hello from the Tollgate fake provider."
        : "The quick brown fox jumps over the lazy dog. ".repeat(replyChars / 45 + 1).substring(0, replyChars);
    ByteBuf request = direct("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}");
    ByteBuf response = direct("{\"id\":\"chatcmpl-XnHhW65kKkkWg45CNSeD3xa6935MS\",\"object\":\"chat.completion\",\"created\":1795722657,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
        + content + "\",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":23,\"completion_tokens\":6,\"total_tokens\":29,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":"
        + "{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
        + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_61ec860756\"}");
    HeldTextBudget budget = new HeldTextBudget(8L << 20);
    System.out.printf("response %d bytes in pieces of at most %d%n", response.readableBytes(), chunkBytes);
    for (int round = 1; round <= 8; round++) {
      long outputTokens = 0;
      long start = System.nanoTime();
      for (int i = 0; i < CALLS; i++) {
        UsageEstimator estimator = new UsageEstimator("openai", budget);
        RequestBodySniffer sniffer = new RequestBodySniffer(estimator);
        sniffer.onLastBody(request);
        ResponseFacts facts = new ResponseFacts(() -> 1L, estimator);
        ResponseObserver observer = ProtocolAdapter.forProtocol("openai").observer("chat", "application/json", null, facts);
        int length = response.readableBytes();
        for (int at = 0; at < length; at += chunkBytes) {
          ByteBuf piece = response.slice(at, Math.min(chunkBytes, length - at));
          if (length - at <= chunkBytes) {
            observer.onLastBody(piece);
          } else {
            observer.onBody(piece);
          }
        }
        estimator.drop();
        outputTokens += facts.outputTokens();
      }
      long nanos = System.nanoTime() - start;
      if (outputTokens != 6L * CALLS || budget.heldBytes() != 0) {
        throw new IllegalStateException("usage not read: output tokens " + outputTokens + ", held " + budget.heldBytes());
      }
      System.out.printf("round %d: %.2f us per call%n", round, nanos / 1000.0 / CALLS);
    }
  }

  private static ByteBuf direct(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
  }
}
