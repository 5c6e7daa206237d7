package dev.tollgate.fake;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A raw HTTP client for the fake: plain JDK HttpClient, and an SSE reader that keeps arrival times. */
final class TestHttp {

  static final String[] OPENAI_AUTH = {"Authorization", "Bearer sk-test-123"};
  static final String[] ANTHROPIC_AUTH = {"x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01"};

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final String baseUrl;

  TestHttp(FakeProvider fake) {
    this.baseUrl = fake.baseUrl();
  }

  /** One SSE event as received: event name (null without an event: line), data, arrival time. */
  record SseEvent(String event, String data, long arrivedNanos) {
    JsonNode json() {
      return parse(data);
    }
  }

  /** A streamed response: status, headers, events, and whether the body ended cleanly. */
  record SseResult(HttpResponse<InputStream> response, List<SseEvent> events, boolean completed) {
    List<String> eventNames() {
      return events.stream().map(SseEvent::event).toList();
    }
  }

  HttpResponse<String> get(String path, String... headers) {
    return send(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body, String... headers) {
    return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  SseResult stream(String path, String body, String... headers) {
    HttpResponse<InputStream> response = send(
        request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    List<SseEvent> events = new ArrayList<>();
    boolean completed = true;
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String event = null;
      StringBuilder data = null;
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            events.add(new SseEvent(event, data.toString(), System.nanoTime()));
          }
          event = null;
          data = null;
        } else if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
        } else {
          throw new AssertionError("not an SSE line: " + line);
        }
      }
      if (event != null || data != null) {
        throw new AssertionError("stream ended inside an event");
      }
    } catch (IOException e) {
      completed = false;
    }
    return new SseResult(response, events, completed);
  }

  static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String[] join(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private HttpRequest.Builder request(String path, String... headers) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      builder.headers(headers);
    }
    return builder;
  }

  private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return CLIENT.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
