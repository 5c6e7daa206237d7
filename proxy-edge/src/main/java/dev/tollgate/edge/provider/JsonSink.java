package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/**
 * Receives the parts of a JSON document the edge cares about, addressed by path: object fields
 * are joined with {@code .}, array elements add {@code []} ({@code choices[].finish_reason}).
 *
 * <p>Called from one thread at a time.
 */
interface JsonSink {

  /** An object starts at {@code path} ({@code usage}); the root object has path {@code ""}. */
  default void startObject(String path) {}

  /** A scalar value at {@code path}; {@code parser} is positioned on it. */
  void value(String path, JsonParser parser) throws IOException;
}
