package dev.tollgate.fake;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One request exactly as the fake received it: method, path with query, headers in arrival order
 * with their original name case, and the body bytes. Tests use it to check what a proxy forwarded.
 *
 * <p>Immutable and thread-safe.
 */
public final class RecordedRequest {

  private final String method;
  private final String uri;
  private final List<Map.Entry<String, String>> headers;
  private final byte[] body;

  RecordedRequest(String method, String uri, List<Map.Entry<String, String>> headers, byte[] body) {
    this.method = Objects.requireNonNull(method, "method");
    this.uri = Objects.requireNonNull(uri, "uri");
    List<Map.Entry<String, String>> copy = new ArrayList<>(headers.size());
    for (Map.Entry<String, String> header : headers) {
      copy.add(Map.entry(header.getKey(), header.getValue()));
    }
    this.headers = List.copyOf(copy);
    this.body = body.clone();
  }

  /** The request method, e.g. {@code POST}. */
  public String method() {
    return method;
  }

  /** The request target as sent: path plus query, e.g. {@code /v1beta/models/x:streamGenerateContent?alt=sse}. */
  public String uri() {
    return uri;
  }

  /** The path without the query. */
  public String path() {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  /** Every header in arrival order, names in the case they were sent. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /** The first value of a header, matched without regard to case. */
  public Optional<String> header(String name) {
    for (Map.Entry<String, String> header : headers) {
      if (header.getKey().equalsIgnoreCase(name)) {
        return Optional.of(header.getValue());
      }
    }
    return Optional.empty();
  }

  /** Every value of a header, matched without regard to case. */
  public List<String> headers(String name) {
    List<String> values = new ArrayList<>();
    for (Map.Entry<String, String> header : headers) {
      if (header.getKey().equalsIgnoreCase(name)) {
        values.add(header.getValue());
      }
    }
    return values;
  }

  /** True when any header name starts with {@code prefix}, without regard to case. */
  public boolean hasHeaderStartingWith(String prefix) {
    for (Map.Entry<String, String> header : headers) {
      if (header.getKey().regionMatches(true, 0, prefix, 0, prefix.length())) {
        return true;
      }
    }
    return false;
  }

  /** A copy of the body bytes exactly as received (still compressed, if the client compressed it). */
  public byte[] body() {
    return body.clone();
  }

  /** The body decoded as UTF-8. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    // Never the body or header values: they hold prompts and keys.
    return "RecordedRequest{" + method + " " + path() + ", headers=" + headers.size() + ", bodyBytes=" + body.length + "}";
  }
}
