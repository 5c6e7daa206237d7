package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;

/**
 * Reads the top-level {@code model}, {@code stream} and {@code service_tier} of a JSON request
 * body as it streams to the upstream, from a copy of each chunk with Jackson's non-blocking
 * parser; nothing else of the body is kept.
 *
 * <p>Not thread-safe: one sniffer per request, used from one event loop.
 */
public final class RequestBodySniffer {

  private final JsonPathWalker walker;
  private String model;
  private boolean stream;
  private String serviceTier;

  public RequestBodySniffer() {
    this.walker = new JsonPathWalker(this::value);
  }

  private void value(String path, JsonParser p) throws IOException {
    switch (path) {
      case "model" -> model = Json.text(p);
      case "stream" -> stream = p.currentToken() == JsonToken.VALUE_TRUE;
      case "service_tier" -> serviceTier = Json.text(p);
      default -> { }
    }
  }

  /** Feeds the next body chunk (copied; the chunk is not changed). */
  public void onBody(ByteBuf chunk) {
    if (chunk.isReadable()) {
      byte[] copy = ByteBufUtil.getBytes(chunk);
      walker.feed(copy, 0, copy.length);
    }
  }

  /** The body ended. */
  public void onEnd() {
    walker.endFeed();
  }

  /** The requested model, or null. */
  public String model() {
    return model;
  }

  /** True when the body asked for a stream. */
  public boolean stream() {
    return stream;
  }

  public String serviceTier() {
    return serviceTier;
  }
}
