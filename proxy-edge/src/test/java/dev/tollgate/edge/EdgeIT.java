package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.event.serde.InvocationEventCodec;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.fake.RecordedRequest;
import dev.tollgate.testkit.KafkaExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class EdgeIT {

  @RegisterExtension
  static final KafkaExtension kafka = new KafkaExtension();

  /** Spool directories, removed after the class. */
  @TempDir
  static Path tmp;

  private static final String TOPIC = "tollgate.invocations.edge-it";
  private static final String SECRET = "it-secret";
  private static final String CHAT_BODY =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";
  private static final List<byte[]> CANNED_PIECES = List.of(
      bytes("data: {\"id\":\"chatcmpl-c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":null}\n"),
      bytes("\ndata: {\"id\":\"chatcmpl-c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish"),
      bytes("_reason\":\"stop\"}],\"usage\":null}\r\n\r\n: comment\r\n\r\ndata: {\"id\":\"chatcmpl-c\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,"),
      bytes("\"completion_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":3}}}\n\ndata: [DONE]\n\n"));

  private static FakeProvider fake;
  private static CannedUpstream canned;
  private static EdgeServer edge;
  private static HttpClient http;
  private static KafkaConsumer<byte[], byte[]> consumer;
  private static final Map<String, List<InvocationEvent>> eventsByUser = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws IOException {
    kafka.createTopic(TOPIC, 1);
    fake = FakeProvider.start(0);
    canned = new CannedUpstream(CANNED_PIECES);
    edge = EdgeServer.start(config(kafka.bootstrapServers(), ""));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
  }

  @AfterAll
  static void stop() throws IOException {
    if (edge != null) {
      edge.close();
    }
    if (consumer != null) {
      consumer.close();
    }
    if (canned != null) {
      canned.close();
    }
    if (fake != null) {
      fake.close();
    }
  }

  private static EdgeConfig config(String bootstrapServers, String extraEdgeKeys) throws IOException {
    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: %s
          shutdown_grace_period: 1s
          spool:
            dir: %s
        %s
        providers:
          openai:
            base_url: %s
          anthropic:
            base_url: %s
          canned:
            base_url: http://127.0.0.1:%d
            protocol: openai
          dead:
            base_url: http://127.0.0.1:%d
            protocol: anthropic
        kafka:
          bootstrap_servers: %s
          topics:
            invocations: %s
        """.formatted(SECRET, Files.createTempDirectory(tmp, "edge-it-spool"), extraEdgeKeys, fake.baseUrl(), fake.baseUrl(), canned.port(), closedPort(),
        bootstrapServers, TOPIC);
    return EdgeConfig.from(ConfigSource.parse("edge-it", yaml, Map.of()));
  }

  /**
   * A port nothing listens on. Port 1 refuses connections at once; a port freed by a ServerSocket
   * could be taken meanwhile by another process (say, a broker of a parallel build) that accepts
   * and never answers.
   */
  private static int closedPort() {
    return 1;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String fingerprint(String key) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(bytes(SECRET), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(bytes(key)));
  }

  private static HttpRequest.Builder post(EdgeServer server, String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** The events of the calls made as {@code user}, waiting until {@code count} arrived. */
  private static List<InvocationEvent> awaitEvents(String user, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (eventsByUser.getOrDefault(user, List.of()).size() < count && System.nanoTime() < deadline) {
      pollEvents(Duration.ofMillis(200));
    }
    pollEvents(Duration.ofMillis(200)); // a duplicate would show up here
    return eventsByUser.getOrDefault(user, List.of());
  }

  private static synchronized void pollEvents(Duration wait) {
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
      InvocationEvent event = InvocationEventCodec.decode(record.value());
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(event.getEventId());
      String user = event.getUser() == null ? "" : event.getUser();
      eventsByUser.computeIfAbsent(user, u -> new ArrayList<>()).add(event);
    }
  }

  private static RecordedRequest lastFakeRequestFor(String user) {
    return fake.requests().stream()
        .filter(r -> r.bodyText().contains(user))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  @Test
  void forwardsAChatCompletionUnchangedAndPublishesOneEventWithExactUsage() throws Exception {
    String user = "user-chat";
    String body = CHAT_BODY.replace("Say hi", "Say hi " + user);
    HttpResponse<byte[]> response = http.send(post(edge, "/openai/v1/chat/completions?trace=1", body)
        .header("Authorization", "Bearer sk-test-chat")
        .header("X-Tollgate-User", user)
        .header("X-Tollgate-Team", "search")
        .header("X-Tollgate-Service", "ranker")
        .header("X-Tollgate-Environment", "prod")
        .header("X-Tollgate-Tags", "feature=summary,bad")
        .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .header("x-fake-usage", "input=120,output=30,cached=20,reasoning=5")
        .build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    String text = new String(response.body(), StandardCharsets.UTF_8);
    assertThat(text).contains("\"prompt_tokens\":120", "\"completion_tokens\":30");
    assertThat(response.headers().firstValue("content-length")).contains(String.valueOf(response.body().length));

    RecordedRequest upstream = lastFakeRequestFor(user);
    assertThat(upstream.uri()).isEqualTo("/v1/chat/completions?trace=1");
    assertThat(upstream.header("authorization")).contains("Bearer sk-test-chat");
    assertThat(upstream.body()).isEqualTo(bytes(body));
    assertThat(upstream.hasHeaderStartingWith("x-tollgate-")).isFalse();
    assertThat(upstream.header("host")).contains("127.0.0.1:" + fake.port());

    List<InvocationEvent> events = awaitEvents(user, 1);
    assertThat(events).hasSize(1);
    InvocationEvent event = events.get(0);
    assertThat(event.getProviderName()).isEqualTo("openai");
    assertThat(event.getProtocol()).isEqualTo("openai");
    assertThat(event.getOperationName()).isEqualTo("chat");
    assertThat(event.getHttpMethod()).isEqualTo("POST");
    assertThat(event.getPathTemplate()).isEqualTo("/v1/chat/completions");
    assertThat(event.getRequestModel()).isEqualTo("gpt-4o-mini");
    assertThat(event.getResponseModel()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(text).contains("\"id\":\"" + event.getResponseId() + "\"");
    assertThat(event.getStream()).isFalse();
    assertThat(event.getStatusCode()).isEqualTo(200);
    assertThat(event.getOutcome()).isEqualTo("ok");
    assertThat(event.getErrorType()).isNull();
    assertThat(event.getResponseFinishReasons()).containsExactly("stop");
    assertThat(event.getInputTokens()).isEqualTo(120);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(20);
    assertThat(event.getOutputTokens()).isEqualTo(30);
    assertThat(event.getReasoningTokens()).isEqualTo(5);
    assertThat(event.getUsageSource()).isEqualTo("reported");
    assertThat(event.getTenant()).isEqualTo("default");
    assertThat(event.getTeam()).isEqualTo("search");
    assertThat(event.getService()).isEqualTo("ranker");
    assertThat(event.getEnvironment()).isEqualTo("prod");
    assertThat(event.getTags()).isEqualTo(Map.of("feature", "summary"));
    assertThat(event.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(event.getSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(event.getKeyFingerprint()).isEqualTo(fingerprint("sk-test-chat"));
    assertThat(event.getRequestBytes()).isEqualTo(bytes(body).length);
    assertThat(event.getResponseBytes()).isEqualTo(response.body().length);
    assertThat(event.getUpstreamFirstByteAtUs()).isBetween(event.getReceivedAtUs(), event.getCompletedAtUs());
    assertThat(event.getTtftUs()).isPositive();
    assertThat(event.getDurationUs()).isEqualTo(event.getCompletedAtUs() - event.getReceivedAtUs());
    assertThat(event.getEdgeInstance()).isNotBlank();
    assertThat(InvocationEventCodec.encode(event)).asString(StandardCharsets.ISO_8859_1).doesNotContain("sk-test-chat", "Say hi");
  }

  @Test
  void streamsAChatCompletionAsItArrivesAndReadsTheUsageChunk() throws Exception {
    String user = "user-stream";
    String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"}]}";
    long start = System.nanoTime();
    HttpResponse<InputStream> response = http.send(post(edge, "/openai/v1/chat/completions", body)
        .header("Authorization", "Bearer sk-test-stream")
        .header("X-Tollgate-User", user)
        .header("X-Tollgate-Team", "search")
        .header("x-fake-usage", "input=50,output=6,cached=10,reasoning=2")
        .header("x-fake-chunk-delay-ms", "100")
        .build(), HttpResponse.BodyHandlers.ofInputStream());
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    long firstDataAt = 0;
    try (InputStream in = response.body()) {
      byte[] buffer = new byte[8192];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (firstDataAt == 0 && n > 0) {
          firstDataAt = System.nanoTime();
        }
        received.write(buffer, 0, n);
      }
    }
    long endAt = System.nanoTime();

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    String text = received.toString(StandardCharsets.UTF_8);
    assertThat(text).endsWith("data: [DONE]\n\n").contains("\"prompt_tokens\":50");
    // Six deltas 100 ms apart: the first bytes must reach the client long before the last.
    assertThat(Duration.ofNanos(endAt - firstDataAt)).isGreaterThan(Duration.ofMillis(300));
    assertThat(Duration.ofNanos(endAt - start)).isGreaterThan(Duration.ofMillis(500));

    List<InvocationEvent> events = awaitEvents(user, 1);
    assertThat(events).hasSize(1);
    InvocationEvent event = events.get(0);
    assertThat(event.getStream()).isTrue();
    assertThat(event.getInputTokens()).isEqualTo(50);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(10);
    assertThat(event.getOutputTokens()).isEqualTo(6);
    assertThat(event.getReasoningTokens()).isEqualTo(2);
    assertThat(event.getUsageSource()).isEqualTo("reported");
    assertThat(event.getResponseFinishReasons()).containsExactly("stop");
    assertThat(event.getTeam()).isEqualTo("search");
    assertThat(event.getResponseBytes()).isEqualTo(received.size());
    assertThat(event.getFirstTokenAtUs()).isLessThan(event.getCompletedAtUs() - 300_000);
  }

  @Test
  void asksForStreamUsageOnTheClientsBehalfAndHidesTheUsageChunkFromIt() throws Exception {
    String user = "user-inject";
    String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"}]}";
    HttpResponse<String> response = http.send(post(edge, "/openai/v1/chat/completions", body)
        .header("Authorization", "Bearer sk-inject")
        .header("X-Tollgate-User", user)
        .header("x-fake-usage", "input=40,output=9,cached=8,reasoning=3")
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).endsWith("data: [DONE]\n\n").contains("\"finish_reason\":\"stop\"")
        .doesNotContain("prompt_tokens", "\"usage\":{");
    assertThat(lastFakeRequestFor(user).bodyText())
        .isEqualTo(body.replace("{\"model\"", "{\"stream_options\":{\"include_usage\":true},\"model\""));
    InvocationEvent event = awaitEvents(user, 1).get(0);
    assertThat(event.getUsageSource()).isEqualTo("reported");
    assertThat(event.getInputTokens()).isEqualTo(40);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(8);
    assertThat(event.getOutputTokens()).isEqualTo(9);
    assertThat(event.getReasoningTokens()).isEqualTo(3);
    assertThat(event.getResponseBytes()).isEqualTo(bytes(response.body()).length);
  }

  @Test
  void passesAnUpstreamStreamThroughByteForByte() throws Exception {
    String user = "user-canned";
    HttpResponse<byte[]> response = http.send(post(edge, "/canned/v1/chat/completions", CHAT_BODY)
        .header("Authorization", "Bearer sk-canned")
        .header("X-Tollgate-User", user)
        .header("X-Hop", "1")
        .build(), HttpResponse.BodyHandlers.ofByteArray());

    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (byte[] piece : CANNED_PIECES) {
      expected.write(piece);
    }
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(expected.toByteArray());
    assertThat(response.headers().firstValue("x-request-id")).contains("req_canned");

    CannedUpstream.Request upstream = canned.requests().get(canned.requests().size() - 1);
    assertThat(upstream.body()).isEqualTo(bytes(CHAT_BODY));
    assertThat(upstream.head()).startsWith("POST /v1/chat/completions HTTP/1.1\r\n")
        .containsIgnoringCase("authorization: Bearer sk-canned\r\n")
        .containsIgnoringCase("host: 127.0.0.1:" + canned.port() + "\r\n")
        .doesNotContainIgnoringCase("x-tollgate");

    InvocationEvent event = awaitEvents(user, 1).get(0);
    assertThat(event.getInputTokens()).isEqualTo(11);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(3);
    assertThat(event.getOutputTokens()).isEqualTo(7);
    assertThat(event.getResponseModel()).isEqualTo("gpt-x");
    assertThat(event.getResponseBytes()).isEqualTo(expected.size());
  }

  @Test
  void forwardsAnthropicMessagesAndNormalisesTheirUsage() throws Exception {
    String user = "user-anthropic";
    String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"}]}";
    String streamBody = body.replace("\"max_tokens\":64", "\"max_tokens\":64,\"stream\":true");
    for (String requestBody : List.of(body, streamBody)) {
      HttpResponse<String> response = http.send(post(edge, "/anthropic/v1/messages", requestBody)
          .header("x-api-key", "sk-ant-test")
          .header("anthropic-version", "2023-06-01")
          .header("X-Tollgate-User", user)
          .header("X-Tollgate-Team", "research")
          .header("x-fake-usage", "input=120,output=30,cached=20,cache_write=10")
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(lastFakeRequestFor(user).header("x-api-key")).contains("sk-ant-test");
    }

    List<InvocationEvent> events = awaitEvents(user, 2);
    assertThat(events).hasSize(2);
    assertThat(events).extracting(InvocationEvent::getStream).containsExactlyInAnyOrder(false, true);
    for (InvocationEvent event : events) {
      assertThat(event.getProtocol()).isEqualTo("anthropic");
      assertThat(event.getOperationName()).isEqualTo("messages");
      assertThat(event.getRequestModel()).isEqualTo("claude-sonnet-4-5");
      assertThat(event.getResponseModel()).isEqualTo("claude-sonnet-4-5-20250929");
      assertThat(event.getInputTokens()).isEqualTo(120);
      assertThat(event.getCacheReadInputTokens()).isEqualTo(20);
      assertThat(event.getCacheWriteInputTokens()).isEqualTo(10);
      assertThat(event.getOutputTokens()).isEqualTo(30);
      assertThat(event.getTeam()).isEqualTo("research");
      assertThat(event.getKeyFingerprint()).isEqualTo(fingerprint("sk-ant-test"));
      assertThat(event.getOutcome()).isEqualTo("ok");
    }
  }

  @Test
  void passesGzippedBodiesThroughAndStillReadsTheirUsage() throws Exception {
    String user = "user-gzip";
    HttpResponse<byte[]> response = http.send(post(edge, "/openai/v1/chat/completions", CHAT_BODY.replace("Say hi", user))
        .header("Authorization", "Bearer sk-gzip")
        .header("Accept-Encoding", "gzip")
        .header("X-Tollgate-User", user)
        .header("x-fake-usage", "input=9,output=4")
        .build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.headers().firstValue("content-encoding")).contains("gzip");
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(response.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("\"prompt_tokens\":9");
    }
    InvocationEvent event = awaitEvents(user, 1).get(0);
    assertThat(event.getInputTokens()).isEqualTo(9);
    assertThat(event.getOutputTokens()).isEqualTo(4);
  }

  @Test
  void forwardsUpstreamErrorsAndRecordsThem() throws Exception {
    String user = "user-429";
    HttpResponse<String> response = http.send(post(edge, "/openai/v1/chat/completions", CHAT_BODY.replace("Say hi", user))
        .header("Authorization", "Bearer sk-429")
        .header("X-Tollgate-User", user)
        .header("x-fake-status", "429")
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after")).isPresent();
    InvocationEvent event = awaitEvents(user, 1).get(0);
    assertThat(event.getStatusCode()).isEqualTo(429);
    assertThat(event.getOutcome()).isEqualTo("upstream_error");
    assertThat(event.getErrorType()).isNotBlank();
    assertThat(response.body()).contains(event.getErrorType());
    assertThat(event.getUsageSource()).isEqualTo("none");
  }

  @Test
  void answersUnknownProvidersWith404AndUnreachableUpstreamsWith502InTheClientsProtocol() throws Exception {
    HttpResponse<String> unknown = http.send(post(edge, "/nope/v1/chat/completions", CHAT_BODY).build(),
        HttpResponse.BodyHandlers.ofString());
    String user = "user-dead";
    HttpResponse<String> dead = http.send(post(edge, "/dead/v1/messages", CHAT_BODY)
        .header("X-Tollgate-User", user).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).startsWith("{\"error\":{\"message\":").contains("\"code\":\"unknown_provider\"");
    assertThat(dead.statusCode()).isEqualTo(502);
    assertThat(dead.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"api_error\"");
    InvocationEvent event = awaitEvents(user, 1).get(0);
    assertThat(event.getStatusCode()).isEqualTo(502);
    assertThat(event.getOutcome()).isEqualTo("upstream_error");
    assertThat(event.getErrorType()).isEqualTo("upstream_unreachable");
    assertThat(event.getUpstreamFirstByteAtUs()).isNull();
  }

  @Test
  void recordsAClientThatLeavesMidStream() throws Exception {
    String user = "user-leaves";
    String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"}]}";
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", edge.port())) {
      socket.getOutputStream().write(bytes("POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer sk-leaves\r\nContent-Type: application/json\r\nX-Tollgate-User: " + user + "\r\n"
          + "x-fake-chunks: 20\r\nx-fake-chunk-delay-ms: 50\r\nContent-Length: " + bytes(body).length + "\r\n\r\n" + body));
      InputStream in = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      while (!seen.toString().contains("data: ")) {
        int b = in.read();
        assertThat(b).isNotNegative();
        seen.append((char) b);
      }
    }

    InvocationEvent event = awaitEvents(user, 1).get(0);
    assertThat(event.getOutcome()).isEqualTo("client_disconnected");
    assertThat(event.getStatusCode()).isEqualTo(200);
    assertThat(event.getStream()).isTrue();
    // The usage chunk never came: the prompt is estimated (never a silent zero).
    assertThat(event.getUsageSource()).isEqualTo("estimated");
    assertThat(event.getInputTokens()).isPositive();
    assertThat(event.getDurationUs()).isLessThan(900_000); // the upstream call was cancelled, not drained
    assertThat(edge.metrics().inFlight()).isZero();
  }

  @Test
  void reusesUpstreamConnectionsAcrossRequests() throws Exception {
    String before = admin("/metrics").body();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> response = http.send(post(edge, "/openai/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}")
          .header("Authorization", "Bearer sk-pool").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
    }
    long opened = counter(admin("/metrics").body(), "edge_origin_connections_opened_total") - counter(before, "edge_origin_connections_opened_total");

    assertThat(opened).isLessThanOrEqualTo(1);
  }

  @Test
  void servesHealthReadinessMetricsAndVersionOnTheAdminPort() throws Exception {
    assertThat(admin("/healthz").statusCode()).isEqualTo(200);
    assertThat(admin("/readyz").statusCode()).isEqualTo(200);
    HttpResponse<String> version = admin("/version");
    assertThat(version.body()).contains("\"version\":\"0.1.0-SNAPSHOT\"");
    HttpResponse<String> metrics = admin("/metrics");
    assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
    assertThat(metrics.body()).contains("# TYPE edge_events_total counter", "edge_requests_in_flight 0");
  }

  @Test
  void answersWith504WhenTheUpstreamIsTooSlow() throws Exception {
    try (EdgeServer slow = EdgeServer.start(config(kafka.bootstrapServers(), "  upstream_read_timeout: 300ms"))) {
      String user = "user-timeout";
      HttpResponse<String> response = http.send(post(slow, "/openai/v1/chat/completions", CHAT_BODY)
          .header("Authorization", "Bearer sk-slow")
          .header("X-Tollgate-User", user)
          .header("x-fake-delay-ms", "3000")
          .build(), HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(504);
      assertThat(response.body()).contains("\"code\":\"upstream_timeout\"");
      InvocationEvent event = awaitEvents(user, 1).get(0);
      assertThat(event.getOutcome()).isEqualTo("timeout");
      assertThat(event.getStatusCode()).isEqualTo(504);
    }
  }

  @Test
  void timesEachCallOnAKeptAliveConnectionByItsOwnWait() throws Exception {
    try (EdgeServer slow = EdgeServer.start(config(kafka.bootstrapServers(), "  upstream_read_timeout: 500ms"))) {
      // One client, so one kept-alive connection, whose calls share its read deadline: each call's
      // wait is under the timeout, two together are over it.
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (String delayMs : new String[] {"300", "300", "3000", "300"}) {
        HttpResponse<String> response = client.send(post(slow, "/openai/v1/chat/completions", CHAT_BODY)
            .header("Authorization", "Bearer sk-slow")
            .header("x-fake-delay-ms", delayMs)
            .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as("delay " + delayMs + " ms").isEqualTo(delayMs.equals("3000") ? 504 : 200);
      }
    }
  }

  @Test
  void servesTrafficWhenKafkaIsNotRunning() throws Exception {
    try (EdgeServer noKafka = EdgeServer.start(config("127.0.0.1:" + closedPort(), ""))) {
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> response = http.send(post(noKafka, "/openai/v1/chat/completions", CHAT_BODY)
            .header("Authorization", "Bearer sk-nokafka").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("chat.completion");
      }
      assertThat(admin(noKafka, "/readyz").statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> admin(String path) throws Exception {
    return admin(edge, path);
  }

  private static HttpResponse<String> admin(EdgeServer server, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long counter(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\d+)$").matcher(metrics);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
