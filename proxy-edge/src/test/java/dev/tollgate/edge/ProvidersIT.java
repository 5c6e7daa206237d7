package dev.tollgate.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.event.InvocationEvent;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.fake.RecordedRequest;
import dev.tollgate.testkit.KafkaExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azure OpenAI (resource in the path, deployment attribution) and a configured extra
 * OpenAI-compatible provider through the edge against the fake, and usage estimated by the edge
 * when a stream reports none.
 */
class ProvidersIT {

  @RegisterExtension
  static final KafkaExtension kafka = new KafkaExtension();

  /** Spool directories, removed after the class. */
  @TempDir
  static Path tmp;

  private static final String TOPIC = "tollgate.invocations.providers-it";
  private static final String CLASSIC = "/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21";

  private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  private static FakeProvider fake;
  private static EdgeServer edge;
  private static EdgeServer noInjectionEdge;
  private static RecordedEvents events;
  private static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws IOException {
    kafka.createTopic(TOPIC, 1);
    fake = FakeProvider.start(0);
    edge = EdgeServer.start(config(""));
    noInjectionEdge = EdgeServer.start(config("  inject_stream_usage: false\n"));
    events = new RecordedEvents(kafka.bootstrapServers(), TOPIC);
  }

  private static EdgeConfig config(String extraEdgeKeys) throws IOException {
    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: providers-it
          shutdown_grace_period: 1s
          spool:
            dir: %s
        %s
        providers:
          openai:
            base_url: %s
          azure:
            base_url: %s
          vllm:
            base_url: %s/v1
            protocol: openai
        kafka:
          bootstrap_servers: %s
          topics:
            invocations: %s
        """.formatted(Files.createTempDirectory(tmp, "providers-it-spool"), extraEdgeKeys, fake.baseUrl(), fake.baseUrl(),
        fake.baseUrl(), kafka.bootstrapServers(), TOPIC);
    return EdgeConfig.from(ConfigSource.parse("providers-it", yaml, Map.of()));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {events, edge, noInjectionEdge, fake}) {
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

  /** The fake's first {@code chunks} deltas, counted one by one as the edge counts them. */
  private static long deltaTokens(int chunks) {
    String[] words = {"Hello", " from", " the", " Tollgate", " fake", " provider."};
    long tokens = 0;
    for (int i = 0; i < chunks; i++) {
      tokens += O200K.countTokens(words[i]);
    }
    return tokens;
  }

  private static RecordedRequest lastFakeRequestWith(String text) {
    return fake.requests().stream().filter(r -> r.bodyText().contains(text)).reduce((a, b) -> b).orElseThrow();
  }

  @Test
  void forwardsAzureDeploymentCallsToTheResourceAndAttributesThemByDeployment() throws Exception {
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"azure-classic\"}]}";
    HttpResponse<String> response = post(edge, "/azure/contoso-eu" + CLASSIC, body,
        "api-key", "azure-secret-key", "X-Tollgate-User", "azure-classic", "x-fake-usage", "input=40,output=6,cached=8");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"model\":\"gpt-4o-2024-08-06\"", "prompt_filter_results");
    RecordedRequest upstream = lastFakeRequestWith("azure-classic");
    assertThat(upstream.uri()).isEqualTo(CLASSIC);
    assertThat(upstream.header("api-key")).contains("azure-secret-key");
    InvocationEvent event = events.single("azure-classic");
    assertThat(event.getProviderName()).isEqualTo("azure");
    assertThat(event.getProtocol()).isEqualTo("openai");
    assertThat(event.getOperationName()).isEqualTo("chat");
    assertThat(event.getPathTemplate()).isEqualTo("/openai/deployments/{deployment}/chat/completions");
    assertThat(event.getRequestModel()).isEqualTo("prod-chat");
    assertThat(event.getResponseModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(event.getInputTokens()).isEqualTo(40);
    assertThat(event.getCacheReadInputTokens()).isEqualTo(8);
    assertThat(event.getOutputTokens()).isEqualTo(6);
    assertThat(event.getKeyFingerprint()).matches("[0-9a-f]{64}");
  }

  @Test
  void readsAnAzureStreamPastItsFilterChunkAndHidesTheInjectedUsageChunk() throws Exception {
    String body = "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"azure-stream\"}]}";
    HttpResponse<String> response = post(edge, "/azure/contoso-eu" + CLASSIC, body,
        "api-key", "azure-secret-key", "X-Tollgate-User", "azure-stream", "x-fake-usage", "input=40,output=6");

    assertThat(response.statusCode()).isEqualTo(200);
    // The usage chunk the edge asked for is removed; the "usage":null the option adds to the other chunks stays.
    assertThat(response.body()).contains("prompt_filter_results", "data: [DONE]").doesNotContain("\"usage\":{");
    assertThat(lastFakeRequestWith("azure-stream").bodyText()).contains("\"include_usage\":true");
    InvocationEvent event = events.single("azure-stream");
    assertThat(event.getUsageSource()).isEqualTo("reported");
    assertThat(event.getInputTokens()).isEqualTo(40);
    assertThat(event.getOutputTokens()).isEqualTo(6);
    assertThat(event.getResponseModel()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(event.getTtftUs()).isPositive();
  }

  @Test
  void servesTheAzureV1UrlWithTheDeploymentFromTheBody() throws Exception {
    String body = "{\"model\":\"eu-gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"azure-v1\"}]}";
    HttpResponse<String> response = post(edge, "/azure/contoso-eu/openai/v1/chat/completions", body,
        "Authorization", "Bearer azure-v1-key", "X-Tollgate-User", "azure-v1");

    assertThat(response.statusCode()).isEqualTo(200);
    InvocationEvent event = events.single("azure-v1");
    assertThat(event.getRequestModel()).isEqualTo("eu-gpt-4.1");
    assertThat(event.getResponseModel()).isEqualTo("gpt-4.1-2025-04-14");
  }

  @Test
  void refusesAnAzureResourceThatIsNotADnsLabel() throws Exception {
    for (String path : new String[] {"/azure/evil.example.com" + CLASSIC, "/azure/a@b" + CLASSIC, "/azure/"}) {
      HttpResponse<String> response = post(edge, path, "{}", "api-key", "k");
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(response.body()).contains("\"error\"");
    }
  }

  @Test
  void forwardsAnExtraOpenAiCompatibleProviderUnderItsBasePath() throws Exception {
    String body = "{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"messages\":[{\"role\":\"user\",\"content\":\"vllm\"}]}";
    HttpResponse<String> response = post(edge, "/vllm/chat/completions", body,
        "Authorization", "Bearer vllm-token", "X-Tollgate-User", "vllm", "x-fake-usage", "input=12,output=6");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(lastFakeRequestWith("Llama-3.1").uri()).isEqualTo("/v1/chat/completions");
    InvocationEvent event = events.single("vllm");
    assertThat(event.getProviderName()).isEqualTo("vllm");
    assertThat(event.getProtocol()).isEqualTo("openai");
    assertThat(event.getRequestModel()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
    assertThat(event.getInputTokens()).isEqualTo(12);
    assertThat(event.getOutputTokens()).isEqualTo(6);
    assertThat(event.getUsageSource()).isEqualTo("reported");
  }

  @Test
  void estimatesTheUsageOfAStreamThatReportsNone() throws Exception {
    String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"Estimate the tokens of this prompt, please.\"}]}";
    HttpResponse<String> response = post(noInjectionEdge, "/openai/v1/chat/completions", body,
        "Authorization", "Bearer sk-est", "X-Tollgate-User", "estimated", "x-fake-chunks", "6");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(lastFakeRequestWith("Estimate the tokens").bodyText()).doesNotContain("include_usage");
    InvocationEvent event = events.single("estimated");
    assertThat(event.getUsageSource()).isEqualTo("estimated");
    assertThat(event.getInputTokens()).isEqualTo(O200K.countTokens("Estimate the tokens of this prompt, please."));
    assertThat(event.getOutputTokens()).isEqualTo(deltaTokens(6)).isPositive();
    assertThat(event.getOutcome()).isEqualTo("ok");
  }

  @Test
  void estimatesAStreamCutShortBeforeItsUsage() throws Exception {
    String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"cut short\"}]}";
    try {
      post(edge, "/openai/v1/chat/completions", body, "Authorization", "Bearer sk-cut", "X-Tollgate-User", "cut-short",
          "x-fake-fail", "disconnect", "x-fake-chunks", "4");
    } catch (IOException e) {
      // the client sees the cut: the edge ends the response without its terminator
    }

    InvocationEvent event = events.single("cut-short");
    assertThat(event.getOutcome()).isEqualTo("upstream_error");
    assertThat(event.getUsageSource()).isEqualTo("estimated");
    assertThat(event.getInputTokens()).isEqualTo(O200K.countTokens("cut short"));
    assertThat(event.getOutputTokens()).isEqualTo(deltaTokens(4));
  }
}
