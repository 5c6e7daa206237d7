package dev.tollgate.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.tollgate.analytics.AnalyticsServer;
import dev.tollgate.analytics.config.AnalyticsConfig;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.server.EdgeServer;
import dev.tollgate.fake.FakeProvider;
import dev.tollgate.fake.RecordedRequest;
import dev.tollgate.job.AttributionJob;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.testkit.ClickHouseExtension;
import dev.tollgate.testkit.KafkaExtension;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real servers: the official OpenAI SDK, with only its base URL changed,
 * calls the edge in front of the fake provider; the event goes through a real Kafka broker and the
 * attribution job in a Flink MiniCluster into a real ClickHouse; the analytics API reports it.
 */
class EndToEndIT {

  @org.junit.jupiter.api.extension.RegisterExtension
  static final KafkaExtension kafka = new KafkaExtension();

  @org.junit.jupiter.api.extension.RegisterExtension
  static final ClickHouseExtension clickhouse = new ClickHouseExtension();

  @org.junit.jupiter.api.extension.RegisterExtension
  static final MiniClusterExtension flink = new MiniClusterExtension(
      new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

  private static final String TOKEN = "tg_end_to_end_token";
  private static final String PROVIDER_KEY = "sk-e2e-provider-key-0123456789abcdef";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path temp;

  private static FakeProvider provider;
  private static EdgeServer edge;
  private static AnalyticsServer analytics;
  private static JobClient job;

  @BeforeAll
  static void startStack() throws Exception {
    kafka.createTopic("tollgate.invocations", 2);
    kafka.createTopic("tollgate.invocations.dlq", 1);
    provider = FakeProvider.start(0);

    String yaml = """
        edge:
          port: 0
          admin_port: 0
          key_fingerprint_secret: e2e-secret
          spool:
            dir: %s
        providers:
          openai:
            base_url: %s
            protocol: openai
        kafka:
          bootstrap_servers: %s
        clickhouse:
          url: %s
          database: %s
        job:
          checkpoint_interval: 500ms
          parallelism: 2
          checkpoint_dir: %s
        analytics:
          port: 0
          tokens:
            - name: e2e
              tenant: default
              sha256: %s
        """.formatted(temp.resolve("spool"), provider.baseUrl(), kafka.bootstrapServers(),
        clickhouse.httpUrl(), clickhouse.database(), temp.resolve("checkpoints").toUri(),
        LocalStack.sha256Hex(TOKEN));
    ConfigSource config = ConfigSource.parse("e2e.yaml", yaml, Map.of());

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    AttributionJob.build(env, AttributionConfig.from(config));
    job = env.executeAsync("tollgate-attribution-e2e");

    edge = EdgeServer.start(EdgeConfig.from(config));
    analytics = AnalyticsServer.start(AnalyticsConfig.from(config));
  }

  @AfterAll
  static void stopStack() throws Exception {
    if (job != null) {
      job.cancel().get();
    }
    if (edge != null) {
      edge.close();
    }
    if (analytics != null) {
      analytics.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @Test
  void openAiSdkCallThroughTheEdgeBecomesAnExactSpendRow() throws Exception {
    OpenAIClient client = OpenAIOkHttpClient.builder()
        .apiKey(PROVIDER_KEY)
        .baseUrl("http://127.0.0.1:" + edge.port() + "/openai/v1")
        .maxRetries(0)
        .build();
    for (int i = 0; i < 3; i++) {
      ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
          .model("gpt-4o-mini")
          .addUserMessage("What does a toll gate do?")
          .putAdditionalHeader("X-Tollgate-Team", "search")
          .putAdditionalHeader("x-fake-usage", "input=1200,output=300,cached=200")
          .build());
      assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(1200);
    }
    client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("gpt-4o")
        .addUserMessage("And a bridge?")
        .putAdditionalHeader("X-Tollgate-Team", "ads")
        .putAdditionalHeader("x-fake-usage", "input=100,output=10")
        .build());

    // The provider got the caller's key and no attribution header.
    RecordedRequest upstream = provider.requests().get(0);
    assertThat(upstream.header("authorization")).contains("Bearer " + PROVIDER_KEY);
    assertThat(upstream.headers()).noneMatch(h -> h.getKey().toLowerCase(java.util.Locale.ROOT).startsWith("x-tollgate-"));

    JsonNode spend = awaitSpend("group_by=team,model", 4);
    JsonNode search = row(spend, "search", "gpt-4o-mini");
    assertThat(search.get("requests").asLong()).isEqualTo(3);
    assertThat(search.get("input_tokens").asLong()).isEqualTo(3600);
    assertThat(search.get("cache_read_input_tokens").asLong()).isEqualTo(600);
    assertThat(search.get("output_tokens").asLong()).isEqualTo(900);
    // gpt-4o-mini: $0.15/M input, $0.075/M cached input, $0.60/M output.
    // Per call: 1000 x 0.15 + 200 x 0.075 + 300 x 0.60 = 150 + 15 + 180 = $345/M = 0.000345.
    assertThat(search.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.001035"));

    JsonNode ads = row(spend, "ads", "gpt-4o");
    // gpt-4o: $2.50/M input, $10.00/M output: 100 x 2.5 + 10 x 10 = $350/M = 0.00035.
    assertThat(ads.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.00035"));

    JsonNode totals = spend.get("totals");
    assertThat(totals.get("requests").asLong()).isEqualTo(4);
    assertThat(totals.get("input_tokens").asLong()).isEqualTo(3700);
    assertThat(totals.get("output_tokens").asLong()).isEqualTo(910);
    assertThat(totals.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.001385"));
    // cost_usd is a JSON number, not a string.
    assertThat(totals.get("cost_usd").isNumber()).isTrue();

    // Nothing secret reached ClickHouse.
    assertThat(clickhouse.queryLong(
        "SELECT count() FROM invocations WHERE key_fingerprint LIKE '%" + PROVIDER_KEY + "%'")).isZero();
    assertThat(clickhouse.queryLong("SELECT uniqExact(key_fingerprint) FROM invocations")).isEqualTo(1);
  }

  private static JsonNode awaitSpend(String query, long requests) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode body = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + analytics.port() + "/v1/spend?" + query))
          .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      body = JSON.readTree(response.body());
      if (body.path("totals").path("requests").asLong() >= requests) {
        return body;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("spend did not reach " + requests + " requests within 60 s; last answer: " + body);
  }

  private static JsonNode row(JsonNode spend, String team, String model) {
    for (JsonNode row : spend.get("rows")) {
      if (team.equals(row.path("team").asText()) && model.equals(row.path("model").asText())) {
        return row;
      }
    }
    throw new AssertionError("no row for team=" + team + ", model=" + model + " in " + spend);
  }
}
