package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Walks JSON tokens and reports them to a {@link JsonSink} by path. Works on a complete document
 * (one SSE event) or incrementally on a non-stream body fed chunk by chunk through Jackson's
 * non-blocking parser, so a large body is never held: only the string value being parsed is.
 *
 * <p>Not thread-safe: one walker per document.
 */
final class JsonPathWalker {

  static final JsonFactory JSON = JsonFactory.builder().build();

  private record Frame(String path, boolean array) {}

  private final JsonSink sink;
  private final ArrayDeque<Frame> stack = new ArrayDeque<>();
  private String field;
  private JsonParser feeding;
  private boolean failed;

  JsonPathWalker(JsonSink sink) {
    this.sink = sink;
  }

  /** Walks the complete document in {@code bytes[0..length)}; returns false when it is not valid JSON. */
  boolean walkDocument(byte[] bytes, int offset, int length) {
    try (JsonParser parser = JSON.createParser(bytes, offset, length)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        handle(parser, token);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    } finally {
      stack.clear();
      field = null;
    }
  }

  /**
   * Feeds the next piece of a document parsed incrementally. The array must not be changed
   * afterwards (the parser reads it in place until the next call). Malformed JSON stops the walk.
   */
  void feed(byte[] bytes, int offset, int length) {
    if (failed || length == 0) {
      return;
    }
    try {
      if (feeding == null) {
        feeding = JSON.createNonBlockingByteArrayParser();
      }
      ((ByteArrayFeeder) feeding.getNonBlockingInputFeeder()).feedInput(bytes, offset, offset + length);
      drain();
    } catch (IOException | RuntimeException e) {
      failed = true;
    }
  }

  /** The incrementally fed document ended. */
  void endFeed() {
    if (feeding == null || failed) {
      return;
    }
    try {
      ((ByteArrayFeeder) feeding.getNonBlockingInputFeeder()).endOfInput();
      drain();
      feeding.close();
    } catch (IOException | RuntimeException e) {
      failed = true;
    }
  }

  private void drain() throws IOException {
    JsonToken token;
    while ((token = feeding.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
      handle(feeding, token);
    }
  }

  private void handle(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case FIELD_NAME -> field = parser.currentName();
      case START_OBJECT -> {
        String path = childPath();
        sink.startObject(path);
        stack.push(new Frame(path, false));
      }
      case START_ARRAY -> stack.push(new Frame(childPath() + "[]", true));
      case END_OBJECT, END_ARRAY -> {
        stack.pop();
        field = null;
      }
      default -> sink.value(childPath(), parser);
    }
  }

  private String childPath() {
    Frame top = stack.peek();
    if (top == null) {
      return "";
    }
    if (top.array()) {
      return top.path();
    }
    return top.path().isEmpty() ? field : top.path() + "." + field;
  }
}
