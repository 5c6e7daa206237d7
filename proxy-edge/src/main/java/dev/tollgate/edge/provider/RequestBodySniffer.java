package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * Reads the top-level {@code model}, {@code stream} and {@code service_tier} of a JSON request
 * body as it streams to the upstream, from a copy of each chunk with Jackson's non-blocking
 * parser, and hands the prompt's text values to a {@link UsageEstimator} (which holds them only
 * until the call's usage is known); nothing else of the body is kept.
 *
 * <p>Not thread-safe: one sniffer per request, used from one event loop.
 */
public final class RequestBodySniffer {

  private final JsonPathWalker walker;
  private final UsageEstimator estimator;
  private String model;
  private boolean stream;
  private String serviceTier;

  public RequestBodySniffer() {
    this(null);
  }

  /** A sniffer that also holds the prompt's texts for {@code estimator} (null: none). */
  public RequestBodySniffer(UsageEstimator estimator) {
    this.walker = new JsonPathWalker(this::value);
    this.estimator = estimator;
  }

  private void value(String path, JsonParser p) throws IOException {
    switch (path) {
      case "model" -> {
        model = Json.text(p);
        if (estimator != null) {
          estimator.model(model);
        }
      }
      case "stream" -> stream = p.currentToken() == JsonToken.VALUE_TRUE;
      case "service_tier" -> serviceTier = Json.text(p);
      // The prompt, in each protocol's shape: OpenAI chat, Responses and embeddings, Anthropic, Gemini.
      case "messages[].content", "messages[].content[].text", "messages[].content[].content",
          "messages[].tool_calls[].function.arguments",
          "input", "input[]", "input[].content", "input[].content[].text", "input[].output", "instructions",
          "system", "system[].text",
          "contents[].parts[].text", "systemInstruction.parts[].text", "system_instruction.parts[].text" -> {
        if (estimator != null) {
          estimator.input(p);
        }
      }
      default -> { }
    }
  }

  /** Feeds the next body chunk (read in place or through a scratch copy; the chunk is not changed). */
  public void onBody(ByteBuf chunk) {
    walker.feed(chunk);
  }

  /** The body ended. */
  public void onEnd() {
    walker.endFeed();
  }

  /** The body's last chunk, then its end: as {@link #onBody} then {@link #onEnd}. */
  public void onLastBody(ByteBuf chunk) {
    walker.feedLast(chunk);
  }

  /** The requested model, or null. */
  public String model() {
    return model;
  }

  /**
   * True when the whole body was read as JSON (and {@link #onEnd} was called): then
   * {@link #stream()} is the last top-level {@code stream} value, as the upstream reads it.
   */
  public boolean readWhole() {
    return walker.walkedWhole();
  }

  /** True when the body asked for a stream. */
  public boolean stream() {
    return stream;
  }

  public String serviceTier() {
    return serviceTier;
  }
}
