package dev.tollgate.edge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.EncodingType;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.provider.UsageEstimator;
import dev.tollgate.edge.publish.EventPublisher;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.fake.FakeProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When and where the edge tokenizes: never for a call whose provider reports usage, only at the
 * end of a call that reports none, on the estimation pool (never an event loop), and never by
 * blocking or holding more than its bounds (a full queue or budget records usage as unknown).
 */
class UsageEstimationIT {

  private static final String PROMPT = "Estimate the tokens of this prompt, please.";
  private static final String[] WORDS = {"Hello", " from", " the", " Tollgate", " fake", " provider."};

  private static FakeProvider fake;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final BlockingQueue<InvocationEvent> published = new LinkedBlockingQueue<>();
  private final List<String> tokenizerThreads = new CopyOnWriteArrayList<>();
  private final EdgeMetrics metrics = new EdgeMetrics();
  private final CountDownLatch tokenizerGate = new CountDownLatch(1);
  private volatile boolean gated;
  private EdgeServer edge;

  /** Counts with jtokkit, recording the thread; blocks while {@link #gated} until the gate opens. */
  private final UsageEstimator.Tokenizer tokenizer = (encoding, text) -> {
    tokenizerThreads.add(Thread.currentThread().getName());
    if (gated) {
      try {
        tokenizerGate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return UsageEstimator.JTOKKIT.countTokens(encoding, text);
  };

  @BeforeAll
  static void startFake() {
    fake = FakeProvider.builder().recordLimit(0).start();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  @AfterEach
  void stopEdge() {
    if (edge != null) {
      edge.close();
    }
  }

  private void startEdge(String edgeKeys) throws Exception {
    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: estimation-it
          shutdown_grace_period: 1s
          spool:
            max_bytes: 0
        %s
        providers:
          openai:
            base_url: %s
          anthropic:
            base_url: %s
        """.formatted(edgeKeys, fake.baseUrl(), fake.baseUrl());
    EventPublisher publisher = new EventPublisher() {
      @Override
      public boolean publish(InvocationEvent event) {
        return published.add(event);
      }

      @Override
      public void close(Duration timeout) {}
    };
    edge = EdgeServer.start(EdgeConfig.from(ConfigSource.parse("estimation-it", yaml, Map.of())), publisher, metrics,
        tokenizer);
  }

  private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private InvocationEvent nextEvent() throws InterruptedException {
    InvocationEvent event = published.poll(10, TimeUnit.SECONDS);
    assertThat(event).as("an event within 10 s").isNotNull();
    return event;
  }

  private static String chat(boolean stream) {
    return "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\""
        + PROMPT + "\"}]}";
  }

  private static long tokens(String text) {
    return UsageEstimator.JTOKKIT.countTokens(EncodingType.O200K_BASE, text);
  }

  @Test
  void neverTokenizesACallWhoseProviderReportsUsage() throws Exception {
    startEdge("");

    assertThat(post("/openai/v1/chat/completions", chat(false), "Authorization", "Bearer sk-a",
        "x-fake-usage", "input=120,output=6").statusCode()).isEqualTo(200);
    // A chat stream whose client did not ask for usage: the edge asks for it, so it is reported too.
    assertThat(post("/openai/v1/chat/completions", chat(true), "Authorization", "Bearer sk-a",
        "x-fake-usage", "input=120,output=6").statusCode()).isEqualTo(200);
    assertThat(post("/anthropic/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}",
        "x-api-key", "sk-ant", "anthropic-version", "2023-06-01", "x-fake-usage", "input=120,output=6").statusCode())
        .isEqualTo(200);

    for (int i = 0; i < 3; i++) {
      InvocationEvent event = nextEvent();
      assertThat(event.getUsageSource()).isEqualTo("reported");
      assertThat(event.getInputTokens()).isEqualTo(120);
      assertThat(event.getOutputTokens()).isEqualTo(6);
    }
    assertThat(tokenizerThreads).isEmpty();
    assertThat(edge.heldEstimateBytes()).isZero();
  }

  @Test
  void estimatesAStreamWithoutUsageAtItsEndOffTheEventLoopWithTheSameNumbers() throws Exception {
    startEdge("  inject_stream_usage: false\n");

    HttpResponse<String> response = post("/openai/v1/chat/completions", chat(true), "Authorization", "Bearer sk-b");

    assertThat(response.statusCode()).isEqualTo(200);
    InvocationEvent event = nextEvent();
    assertThat(event.getUsageSource()).isEqualTo("estimated");
    assertThat(event.getInputTokens()).isEqualTo(tokens(PROMPT)).isPositive();
    long output = 0;
    for (String word : WORDS) {
      output += tokens(word); // each delta counted on its own, as the edge always has
    }
    assertThat(event.getOutputTokens()).isEqualTo(output);
    assertThat(tokenizerThreads).isNotEmpty().allMatch(name -> name.startsWith("tollgate-edge-estimate-"));
    assertThat(metrics.usageEstimates("estimated")).isEqualTo(1);
    assertThat(edge.heldEstimateBytes()).isZero();
  }

  @Test
  void recordsUsageAsUnknownRatherThanWaitWhenTheEstimationQueueIsFull() throws Exception {
    startEdge("""
          inject_stream_usage: false
          estimation:
            threads: 1
            queue_capacity: 1
        """);
    gated = true; // the one estimation thread blocks on the first estimate

    for (int i = 0; i < 3; i++) {
      assertThat(post("/openai/v1/chat/completions", chat(true), "Authorization", "Bearer sk-c").statusCode())
          .isEqualTo(200);
    }

    // One estimate runs (blocked), one waits in the queue, the third is published at once as unknown.
    InvocationEvent unknown = nextEvent();
    assertThat(unknown.getUsageSource()).isEqualTo("none");
    assertThat(unknown.getInputTokens()).isZero();
    assertThat(metrics.usageEstimates("saturated")).isEqualTo(1);
    assertThat(published).isEmpty();
    tokenizerGate.countDown();
    assertThat(nextEvent().getUsageSource()).isEqualTo("estimated");
    assertThat(nextEvent().getUsageSource()).isEqualTo("estimated");
    assertThat(edge.heldEstimateBytes()).isZero();
  }

  @Test
  void recordsUsageAsUnknownWhenTheHeldTextExceedsItsBound() throws Exception {
    startEdge("""
          inject_stream_usage: false
          estimation:
            max_held_bytes: 64
        """);

    assertThat(post("/openai/v1/chat/completions", chat(true), "Authorization", "Bearer sk-d").statusCode())
        .isEqualTo(200);

    InvocationEvent event = nextEvent();
    assertThat(event.getUsageSource()).isEqualTo("none");
    assertThat(metrics.usageEstimates("over_budget")).isEqualTo(1);
    assertThat(tokenizerThreads).isEmpty();
    assertThat(edge.heldEstimateBytes()).isZero();
  }
}
