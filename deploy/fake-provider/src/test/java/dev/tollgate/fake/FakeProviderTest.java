package dev.tollgate.fake;

import static dev.tollgate.fake.TestHttp.OPENAI_AUTH;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeProviderTest {

  private static final String BODY = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"h\u00e9\"}]}";

  private static FakeProvider fake;
  private static TestHttp http;

  @BeforeAll
  static void start() {
    fake = FakeProvider.start(0);
    http = new TestHttp(fake);
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  @BeforeEach
  void forget() {
    fake.clearRequests();
  }

  @Test
  void listensOnAFreePortOfLoopback() {
    assertThat(fake.port()).isPositive();
    assertThat(fake.baseUrl()).isEqualTo("http://127.0.0.1:" + fake.port());
  }

  @Test
  void recordsMethodUriHeadersAndBodyBytesExactly() {
    http.post("/v1/chat/completions?trace=1", BODY, "Authorization", "Bearer sk-abc", "X-Custom-Header", "v1");

    List<RecordedRequest> requests = fake.requests();
    assertThat(requests).hasSize(1);
    RecordedRequest request = requests.get(0);
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.uri()).isEqualTo("/v1/chat/completions?trace=1");
    assertThat(request.path()).isEqualTo("/v1/chat/completions");
    assertThat(request.header("authorization")).hasValue("Bearer sk-abc");
    assertThat(request.headers()).anySatisfy(h -> assertThat(h.getKey()).isEqualTo("X-Custom-Header"));
    assertThat(request.body()).isEqualTo(BODY.getBytes(StandardCharsets.UTF_8));
    assertThat(request.hasHeaderStartingWith("x-custom")).isTrue();
    assertThat(request.hasHeaderStartingWith("x-tollgate-")).isFalse();
    assertThat(request.toString()).doesNotContain("sk-abc").doesNotContain("content");
  }

  @Test
  void recordsRejectedRequestsTooAndForgetsOnClear() {
    http.post("/v1/chat/completions", "{}");
    http.get("/nowhere");

    assertThat(fake.requests()).extracting(RecordedRequest::path).containsExactly("/v1/chat/completions", "/nowhere");
    fake.clearRequests();
    assertThat(fake.requests()).isEmpty();
  }

  @Test
  void keepsOnlyTheMostRecentRequestsUpToTheLimit() {
    try (FakeProvider small = FakeProvider.builder().recordLimit(2).start()) {
      TestHttp client = new TestHttp(small);
      client.get("/a");
      client.get("/b");
      client.get("/c");

      assertThat(small.requests()).extracting(RecordedRequest::path).containsExactly("/b", "/c");
    }
  }

  @Test
  void keepsNoRequestsWithALimitOfZeroAndStillServesThem() {
    try (FakeProvider unrecorded = FakeProvider.builder().recordLimit(0).start()) {
      TestHttp client = new TestHttp(unrecorded);
      assertThat(client.post("/v1/chat/completions", BODY, "Authorization", "Bearer k").statusCode()).isEqualTo(200);

      assertThat(unrecorded.requests()).isEmpty();
    }
  }

  @Test
  void servesSeveralRequestsOnOneKeptAliveConnection() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", fake.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      for (int i = 0; i < 3; i++) {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
            + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200 OK");
        int length = Integer.parseInt(head.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
        assertThat(in.readNBytes(length)).hasSize(length);
      }
    }
    assertThat(fake.requests()).hasSize(3);
  }

  @Test
  void gzipsJsonForClientsThatAcceptItButNeverEventStreams() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<byte[]> json = client.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/chat/completions"))
        .header("Authorization", "Bearer k").header("Accept-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<String> stream = client.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + "/v1/chat/completions"))
        .header("Authorization", "Bearer k").header("Accept-Encoding", "gzip")
        .POST(HttpRequest.BodyPublishers.ofString(BODY.replace("{\"model\"", "{\"stream\":true,\"model\"")))
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(json.headers().firstValue("content-encoding")).hasValue("gzip");
    String unzipped = new String(new GZIPInputStream(new ByteArrayInputStream(json.body())).readAllBytes(),
        StandardCharsets.UTF_8);
    assertThat(TestHttp.parse(unzipped).get("object").asText()).isEqualTo("chat.completion");
    assertThat(stream.headers().firstValue("content-encoding")).isEmpty();
    assertThat(stream.body()).startsWith("data: {").endsWith("data: [DONE]\n\n");
  }

  @Test
  void routesByPathAndHeadersToOneProtocol() {
    HttpResponse<String> anthropicModels = http.get("/v1/models", "x-api-key", "k", "anthropic-version", "2023-06-01");
    HttpResponse<String> openAiModels = http.get("/v1/models", OPENAI_AUTH);

    assertThat(anthropicModels.headers().firstValue("request-id")).isPresent();
    assertThat(anthropicModels.headers().firstValue("x-request-id")).isEmpty();
    assertThat(openAiModels.headers().firstValue("x-request-id")).isPresent();
    assertThat(TestHttp.parse(openAiModels.body()).get("object").asText()).isEqualTo("list");
  }

  @Test
  void closeEndsOpenStreams() {
    FakeProvider closing = FakeProvider.start(0);
    Thread closer = new Thread(() -> {
      sleep(150);
      closing.close();
    });
    closer.start();
    TestHttp.SseResult result = new TestHttp(closing).stream("/v1/chat/completions",
        BODY.replace("{\"model\"", "{\"stream\":true,\"model\""),
        TestHttp.join(OPENAI_AUTH, "x-fake-chunks", "50", "x-fake-chunk-delay-ms", "50"));

    assertThat(result.completed()).isFalse();
    assertThat(result.events().size()).isBetween(1, 20);
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) b);
    }
    return head.toString().toLowerCase(java.util.Locale.ROOT).replace("http/1.1 200 ok", "HTTP/1.1 200 OK");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
