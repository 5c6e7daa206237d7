package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.testkit.KafkaExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider key and a unique prompt, sent through the edge in every protocol, streamed and not,
 * with errors and cut connections, appear in none of the edge's logs (captured at TRACE), the
 * Kafka records it published (raw bytes) or its disk spool files.
 */
class LeakIT {

  @RegisterExtension
  static final KafkaExtension kafka = new KafkaExtension();

  /** Spool directories, removed after the class. */
  @TempDir
  static Path tmp;

  private static final String TOPIC = "tollgate.invocations.leak-it";
  private static final String KEY = "sk-leak-" + UUID.randomUUID();
  private static final String PROMPT = "leak-prompt-" + UUID.randomUUID();
  private static final ConcurrentLinkedQueue<String> logLines = new ConcurrentLinkedQueue<>();

  private static FakeProvider fake;
  private static AbstractAppender capture;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() {
    kafka.createTopic(TOPIC, 1);
    fake = FakeProvider.start(0);
    capture = new AbstractAppender("leak-capture", null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ').append(event.getMessage().getFormattedMessage());
        for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
          line.append(" | ").append(t);
        }
        logLines.add(line.toString());
      }
    };
    capture.start();
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration config = context.getConfiguration();
    config.getRootLogger().addAppender(capture, Level.ALL, null);
    context.updateLoggers();
    Configurator.setLevel("dev.tollgate", Level.ALL);
    Configurator.setLevel("io.netty", Level.ALL);
  }

  @AfterAll
  static void stop() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    context.getConfiguration().getRootLogger().removeAppender(capture.getName());
    Configurator.setLevel("dev.tollgate", Level.INFO);
    Configurator.setLevel("io.netty", Level.WARN);
    context.updateLoggers();
    if (fake != null) {
      fake.close();
    }
  }

  private static EdgeConfig config(String bootstrapServers, Path spool) throws IOException {
    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: leak-it
          shutdown_grace_period: 1s
          spool:
            dir: %s
        providers:
          openai:
            base_url: %s
          anthropic:
            base_url: %s
          gemini:
            base_url: %s
          azure:
            base_url: %s
          dead:
            base_url: http://127.0.0.1:%d
        kafka:
          bootstrap_servers: %s
          topics:
            invocations: %s
        """.formatted(spool, fake.baseUrl(), fake.baseUrl(), fake.baseUrl(), fake.baseUrl(), closedPort(),
        bootstrapServers, TOPIC);
    return EdgeConfig.from(ConfigSource.parse("leak-it", yaml, Map.of()));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void neitherTheKeyNorThePromptReachLogsKafkaOrTheSpool() throws Exception {
    Path spoolWithKafka = Files.createTempDirectory(tmp, "leak-it-spool");
    Path spoolWithoutKafka = Files.createTempDirectory(tmp, "leak-it-spool-dead");
    int calls;
    try (EdgeServer edge = EdgeServer.start(config(kafka.bootstrapServers(), spoolWithKafka))) {
      calls = sendEveryKindOfCall(edge);
    }
    // The same calls through an edge whose Kafka is unreachable: every event goes to its spool.
    try (EdgeServer edge = EdgeServer.start(config("127.0.0.1:" + closedPort(), spoolWithoutKafka),
        Map.of("max.block.ms", 500, "delivery.timeout.ms", 1000, "request.timeout.ms", 500))) {
      sendEveryKindOfCall(edge);
    }

    List<byte[]> records;
    try (RecordedEvents events = new RecordedEvents(kafka.bootstrapServers(), TOPIC)) {
      events.await("leak", calls);
      records = events.rawValues();
    }
    assertThat(records).hasSizeGreaterThanOrEqualTo(calls);
    for (byte[] record : records) {
      assertNoSecret("a kafka record", record);
    }
    List<Path> spoolFiles = files(spoolWithoutKafka);
    assertThat(spoolFiles.stream().mapToLong(LeakIT::size).sum()).as("spooled bytes").isPositive();
    for (Path file : spoolFiles) {
      assertNoSecret("spool file " + file, Files.readAllBytes(file));
    }
    for (Path file : files(spoolWithKafka)) {
      assertNoSecret("spool file " + file, Files.readAllBytes(file));
    }
    assertThat(logLines).as("captured log lines").isNotEmpty();
    assertThat(logLines).noneMatch(line -> line.contains(KEY) || line.contains(PROMPT) || line.contains(KEY.substring(3)));
  }

  /** Every protocol, stream and not, errors, a cut stream, an unknown provider and an unreachable one. */
  private static int sendEveryKindOfCall(EdgeServer edge) throws Exception {
    String chat = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]";
    String messages = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]";
    String gemini = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"" + PROMPT + "\"}]}]}";
    String[] bearer = {"Authorization", "Bearer " + KEY};
    String[] anthropic = {"x-api-key", KEY, "anthropic-version", "2023-06-01"};
    List<Call> calls = new ArrayList<>(List.of(
        new Call("/openai/v1/chat/completions", chat + "}", bearer),
        new Call("/openai/v1/chat/completions", chat + ",\"stream\":true}", bearer),
        new Call("/openai/v1/chat/completions", chat + ",\"stream\":true}", join(bearer, "x-fake-fail", "mid-stream-error")),
        new Call("/openai/v1/chat/completions", chat + "}", join(bearer, "x-fake-status", "429")),
        new Call("/openai/v1/chat/completions", chat + ",\"broken", bearer),
        new Call("/openai/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"" + PROMPT + "\"}", bearer),
        new Call("/openai/v1/responses", "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"" + PROMPT + "\"}", bearer),
        new Call("/openai/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"" + PROMPT + "\"}", bearer),
        new Call("/anthropic/v1/messages", messages + "}", anthropic),
        new Call("/anthropic/v1/messages", messages + ",\"stream\":true}", anthropic),
        new Call("/gemini/v1beta/models/gemini-2.5-flash:generateContent", gemini, "x-goog-api-key", KEY),
        new Call("/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=" + KEY, gemini),
        new Call("/azure/contoso/openai/deployments/prod/chat/completions?api-version=2024-10-21", chat + ",\"stream\":true}",
            "api-key", KEY),
        new Call("/dead/v1/chat/completions", chat + "}", bearer),
        new Call("/nosuch/v1/chat/completions?key=" + KEY, chat + "}", bearer)));
    for (Call call : calls) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + call.path()))
          .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json").header("X-Tollgate-User", "leak")
          .POST(HttpRequest.BodyPublishers.ofString(call.body()));
      if (call.headers().length > 0) {
        request.headers(call.headers());
      }
      http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
    // A client that leaves mid-stream.
    String body = chat + ",\"stream\":true}";
    try (Socket socket = new Socket("127.0.0.1", edge.port())) {
      socket.getOutputStream().write(("POST /openai/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
          + "\r\nX-Tollgate-User: leak\r\nx-fake-chunk-delay-ms: 50\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
          .getBytes(StandardCharsets.UTF_8));
      InputStream in = socket.getInputStream();
      assertThat(in.read()).isNotNegative();
    }
    return calls.size(); // the unknown provider's 404 has no event; the disconnect adds one
  }

  private record Call(String path, String body, String... headers) {}

  private static String[] join(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void assertNoSecret(String where, byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    assertThat(text).as(where).doesNotContain(KEY).doesNotContain(PROMPT).doesNotContain(KEY.substring(3));
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
