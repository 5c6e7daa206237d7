package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.fake.RecordedRequest;
import dev.tollgate.testkit.KafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile or broken client cannot do to the edge: malformed JSON is forwarded untouched,
 * oversized bodies and headers are refused, slow clients are cut off without slowing anyone else,
 * attribution headers never reach the upstream nor break the event, and a shutdown lets an
 * in-flight stream finish.
 */
class BadInputIT {

  @RegisterExtension
  static final KafkaExtension kafka = new KafkaExtension();

  /** Spool directories, removed after the class. */
  @TempDir
  static Path tmp;

  private static final String TOPIC = "tollgate.invocations.bad-input-it";
  private static final int MAX_BODY = 64 * 1024;

  private static FakeProvider fake;
  private static EdgeServer edge;
  private static RecordedEvents events;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws IOException {
    kafka.createTopic(TOPIC, 1);
    fake = FakeProvider.start(0);
    edge = EdgeServer.start(config("1s"));
    events = new RecordedEvents(kafka.bootstrapServers(), TOPIC);
  }

  private static EdgeConfig config(String grace) throws IOException {
    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: bad-input-it
          shutdown_grace_period: %s
          max_body_bytes: %d
          max_header_bytes: 8192
          client_header_timeout: 600ms
          client_body_timeout: 600ms
          client_idle_timeout: 5s
          spool:
            dir: %s
        providers:
          openai:
            base_url: %s
        kafka:
          bootstrap_servers: %s
          topics:
            invocations: %s
        """.formatted(grace, MAX_BODY, Files.createTempDirectory(tmp, "bad-input-it-spool"), fake.baseUrl(),
        kafka.bootstrapServers(), TOPIC);
    return EdgeConfig.from(ConfigSource.parse("bad-input-it", yaml, Map.of()));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {events, edge, fake}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private static HttpResponse<String> post(EdgeServer server, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends raw bytes and reads the response until the edge closes the connection (or 10 s pass). */
  private static String raw(EdgeServer server, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void forwardsMalformedJsonUntouchedAndReturnsTheUpstreams400() throws Exception {
    String body = "{\"model\": \"gpt-4o-mini\", \"messages\": [ {\"role\": \"user\", malformed-json-marker";
    HttpResponse<String> response = post(edge, "/openai/v1/chat/completions", body,
        "Authorization", "Bearer sk-bad", "X-Tollgate-User", "malformed");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"invalid_request_error\"", "could not parse the JSON body");
    RecordedRequest upstream = fake.requests().stream().filter(r -> r.bodyText().contains("malformed-json-marker"))
        .findFirst().orElseThrow();
    assertThat(upstream.body()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
    InvocationEvent event = events.single("malformed");
    assertThat(event.getStatusCode()).isEqualTo(400);
    assertThat(event.getOutcome()).isEqualTo("upstream_error");
    assertThat(event.getUsageSource()).isEqualTo("none");
  }

  @Test
  void refusesABodyOverTheLimitWith413WhetherDeclaredOrChunked() throws Exception {
    String big = "x".repeat(MAX_BODY + 1);
    String declared = raw(edge, "POST /openai/v1/embeddings HTTP/1.1\r\nHost: x\r\nX-Tollgate-User: too-big\r\n"
        + "Content-Length: " + big.length() + "\r\n\r\n" + big);
    String chunked = raw(edge, "POST /openai/v1/embeddings HTTP/1.1\r\nHost: x\r\nX-Tollgate-User: too-big\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n" + "8000\r\n" + big.substring(0, 0x8000) + "\r\n8000\r\n"
        + big.substring(0, 0x8000) + "\r\n1\r\nx\r\n0\r\n\r\n");

    assertThat(declared).startsWith("HTTP/1.1 413 ");
    assertThat(chunked).startsWith("HTTP/1.1 413 ");
    assertThat(declared).contains("request_too_large");
    assertThat(events.await("too-big", 2)).hasSize(2).allSatisfy(e -> {
      assertThat(e.getStatusCode()).isEqualTo(413);
      assertThat(e.getOutcome()).isEqualTo("proxy_error");
    });
  }

  @Test
  void refusesOversizedHeadersWith431() throws IOException {
    String response = raw(edge, "GET /openai/v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(9000) + "\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 431 ");
  }

  @Test
  void answersAnUnknownProviderWith404InTheOpenAiErrorShape() throws Exception {
    HttpResponse<String> response = post(edge, "/nosuch/v1/chat/completions", "{}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("\"error\"", "\"code\":\"unknown_provider\"", "\"type\":\"invalid_request_error\"");
  }

  @Test
  void cutsOffSlowClientsWhileOtherRequestsGoThrough() throws Exception {
    Socket slowHeaders = new Socket("127.0.0.1", edge.port());
    Socket slowBody = new Socket("127.0.0.1", edge.port());
    try (slowHeaders; slowBody) {
      OutputStream headers = slowHeaders.getOutputStream();
      headers.write("POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      OutputStream body = slowBody.getOutputStream();
      body.write(("POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-slow\r\n"
          + "X-Tollgate-User: slow-body\r\nContent-Length: 100\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
      long started = System.nanoTime();

      // Meanwhile, normal clients are served as usual, one after the other and side by side.
      List<CompletableFuture<HttpResponse<String>>> normal = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        normal.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/openai/v1/embeddings"))
            .header("Authorization", "Bearer sk-ok").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"text-embedding-3-small\",\"input\":\"ok\"}")).build(),
            HttpResponse.BodyHandlers.ofString()));
        // The slow clients keep trickling: one byte a while, never finishing (until the edge cuts them
        // off: on a loaded machine this loop can outlast the timeouts).
        trickle(headers, 'X');
        trickle(body, ' ');
        Thread.sleep(20);
      }
      for (CompletableFuture<HttpResponse<String>> response : normal) {
        assertThat(response.get().statusCode()).isEqualTo(200);
      }

      String headersAnswer = readUntilClosed(slowHeaders);
      String bodyAnswer = readUntilClosed(slowBody);
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(headersAnswer).isEmpty(); // closed without a response, as nginx does
      assertThat(bodyAnswer).startsWith("HTTP/1.1 408 ").contains("client_timeout");
      assertThat(elapsedMs).isLessThan(5_000);
    }
    InvocationEvent event = events.single("slow-body");
    assertThat(event.getStatusCode()).isEqualTo(408);
    assertThat(event.getOutcome()).isEqualTo("timeout");
  }

  private static void trickle(OutputStream out, int b) {
    try {
      out.write(b);
    } catch (IOException e) {
      // Cut off already: what the test waits for below.
    }
  }

  private static String readUntilClosed(Socket socket) throws IOException {
    socket.setSoTimeout(5_000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    try {
      byte[] buffer = new byte[4096];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the edge did not close the slow connection; received: " + out, e);
    } catch (IOException e) {
      // reset by the edge: closed too
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void keepsAttributionHeadersFromTheUpstreamWhateverTheyHold() throws Exception {
    String huge = "h".repeat(6000);
    String body = "{\"model\":\"text-embedding-3-small\",\"input\":\"i\"}";
    // A CR/LF in a value is a new header line on the wire, and an obs-fold continues the value:
    // neither may smuggle an X-Tollgate-* value or a forged header upstream or into the event.
    String response = raw(edge, "POST /openai/v1/embeddings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + "Authorization: Bearer sk-inject\r\nContent-Type: application/json\r\n"
        + "X-Tollgate-User: injected\r\n"
        + "X-Tollgate-Team: a\r\n X-Tollgate-Tenant: evil\r\n"
        + "X-Tollgate-Service: " + huge + "\r\n"
        + "X-Tollgate-Tags: k=v%0d%0aX-Evil: 1,bad\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body);

    assertThat(response).startsWith("HTTP/1.1 200 ");
    RecordedRequest upstream = fake.requests().stream().filter(r -> r.header("authorization").orElse("").endsWith("sk-inject"))
        .findFirst().orElseThrow();
    assertThat(upstream.hasHeaderStartingWith("x-tollgate-")).isFalse();
    assertThat(upstream.header("x-evil")).isEmpty();
    assertThat(upstream.headers().toString()).doesNotContain("evil", huge);
    InvocationEvent event = events.single("injected");
    assertThat(event.getTenant()).isEqualTo("default");
    assertThat(event.getService()).isNull(); // over 256 characters: dropped, the call unaffected
    assertThat(event.getTeam()).doesNotContain("\r", "\n");
    assertThat(event.getTags()).containsEntry("k", "v%0d%0aX-Evil: 1").hasSize(1);
    assertThat(event.getStatusCode()).isEqualTo(200);
  }

  @Test
  void letsAnInFlightStreamFinishWhenTheEdgeShutsDown() throws Exception {
    EdgeServer draining = EdgeServer.start(config("10s"));
    String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"drain\"}]}";
    CompletableFuture<Void> closed;
    String received;
    try (Socket socket = new Socket("127.0.0.1", draining.port()); Socket idle = new Socket("127.0.0.1", draining.port())) {
      // A kept-alive connection, idle when the shutdown starts: closed at once, so it cannot take a
      // request that the end of the shutdown would cut.
      idle.setSoTimeout(10_000);
      idle.getOutputStream().write("GET /nope/v1/models HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      readResponseWithLength(idle.getInputStream());
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-drain\r\n"
          + "X-Tollgate-User: drained\r\nx-fake-chunks: 10\r\nx-fake-chunk-delay-ms: 100\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream seen = new ByteArrayOutputStream();
      while (!seen.toString(StandardCharsets.UTF_8).contains("data: ")) {
        int b = in.read();
        assertThat(b).isNotNegative();
        seen.write(b);
      }
      closed = CompletableFuture.runAsync(draining::close);
      long idleClosing = System.nanoTime();
      assertThat(idle.getInputStream().read()).as("the idle connection is closed").isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - idleClosing)).isLessThan(Duration.ofMillis(800));
      seen.write(in.readAllBytes()); // the edge closes the connection after the last chunk
      received = seen.toString(StandardCharsets.UTF_8);
    }
    closed.get();

    assertThat(received).contains(" provider.", "data: [DONE]").endsWith("0\r\n\r\n");
    InvocationEvent event = events.single("drained");
    assertThat(event.getOutcome()).isEqualTo("ok");
    assertThat(event.getUsageSource()).isEqualTo("reported");
  }

  /** Reads one response with a Content-Length body (the edge's own error responses). */
  private static void readResponseWithLength(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).isNotNegative();
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
    int at = headers.indexOf("content-length:");
    assertThat(at).as(headers).isNotNegative();
    int length = Integer.parseInt(headers.substring(at + 15, headers.indexOf("\r\n", at)).trim());
    assertThat(in.readNBytes(length)).hasSize(length);
  }
}
