package dev.tollgate.bench.soak;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak's private stack, driven through {@code ./tollgate start|stop} with the soak's own
 * configuration (so every component runs exactly as {@code ./tollgate up} runs it), plus the small
 * HTTP reads the soak makes of it: the edge's /metrics, the job's REST API, the analytics API and
 * ClickHouse.
 *
 * <p>Used from the soak's main thread, except one start-up call beside it.
 */
final class Stack {

  static final List<String> COMPONENTS =
      List.of("clickhouse", "kafka", "fake-provider", "attribution-job", "proxy-edge", "analytics-api");
  private static final Pattern EVENTS = Pattern.compile("^edge_events_total\\{result=\"([a-z]+)\"} (\\d+)$", Pattern.MULTILINE);
  private static final Pattern GAUGE = Pattern.compile("^(edge_spool_records|edge_spool_bytes|edge_requests_in_flight) (\\d+)$", Pattern.MULTILINE);
  private static final Pattern OUTCOME = Pattern.compile("^edge_requests_total\\{[^}]*outcome=\"([a-z_]+)\"} (\\d+)$", Pattern.MULTILINE);

  final Path root;
  final Path config;
  final Path work;
  final Path dataDir;
  final int edgePort;
  final int adminPort;
  final int analyticsPort;
  final int clickhouseHttpPort;
  final String kafkaBootstrap;
  final int jobRestPort;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final Map<String, String> extraEnv = new HashMap<>();

  Stack(Path root, Path config, Path work, Path dataDir, int edgePort, int adminPort, int analyticsPort,
      int clickhouseHttpPort, String kafkaBootstrap, int jobRestPort) {
    this.root = root;
    this.config = config;
    this.work = work;
    this.dataDir = dataDir;
    this.edgePort = edgePort;
    this.adminPort = adminPort;
    this.analyticsPort = analyticsPort;
    this.clickhouseHttpPort = clickhouseHttpPort;
    this.kafkaBootstrap = kafkaBootstrap;
    this.jobRestPort = jobRestPort;
  }

  /** Environment overrides (TOLLGATE_*) for the components started from now on. */
  void env(String name, String value) {
    synchronized (extraEnv) {
      envLocked(name, value);
    }
  }

  private void envLocked(String name, String value) {
    if (value == null) {
      extraEnv.remove(name);
    } else {
      extraEnv.put(name, value);
    }
  }

  void start(String... components) {
    tollgate("start", Map.of(), components);
  }

  /** Starts components with environment overrides for them only (callable from another thread). */
  void start(Map<String, String> env, String... components) {
    tollgate("start", env, components);
  }

  void stop(String... components) {
    tollgate("stop", Map.of(), components);
  }

  /** SIGKILL: a crash. */
  void kill(String... components) {
    String[] args = new String[components.length + 1];
    System.arraycopy(components, 0, args, 0, components.length);
    args[components.length] = "--kill";
    tollgate("stop", Map.of(), args);
  }

  private void tollgate(String command, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("tollgate").toString(), command));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("tollgate-commands.log").toFile()));
    pb.environment().put("TOLLGATE_CONFIG", config.toString());
    synchronized (extraEnv) {
      pb.environment().putAll(extraEnv);
    }
    pb.environment().putAll(env);
    try {
      int rc = pb.start().waitFor();
      if (rc != 0) {
        throw new IllegalStateException("./tollgate " + String.join(" ", cmd.subList(1, cmd.size()))
            + " failed (exit " + rc + "); see " + work.resolve("tollgate-commands.log"));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The edge's counters; empty when the edge does not answer. */
  Map<String, Long> edgeMetrics() {
    Map<String, Long> out = new HashMap<>();
    String text = get("http://127.0.0.1:" + adminPort + "/metrics", null);
    if (text == null) {
      return out;
    }
    Matcher m = EVENTS.matcher(text);
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2)));
    }
    m = GAUGE.matcher(text);
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2)));
    }
    m = OUTCOME.matcher(text);
    while (m.find()) {
      out.merge("outcome_" + m.group(1), Long.parseLong(m.group(2)), Long::sum);
    }
    return out;
  }

  /** The local MiniCluster's job id while it runs, else null. */
  String runningJobId() {
    String text = get("http://127.0.0.1:" + jobRestPort + "/jobs/overview", null);
    if (text == null) {
      return null;
    }
    Matcher m = Pattern.compile("\"jid\":\"([0-9a-f]+)\"[^}]*\"state\":\"RUNNING\"").matcher(text);
    return m.find() ? m.group(1) : null;
  }

  /** Failures the running job recovered from (restarts from a checkpoint), from its exception history; -1 if unknown. */
  long jobFailures() {
    String id = runningJobId();
    if (id == null) {
      return -1;
    }
    String text = get("http://127.0.0.1:" + jobRestPort + "/jobs/" + id + "/exceptions?maxExceptions=1000", null);
    if (text == null) {
      return -1;
    }
    Matcher m = Pattern.compile("\"exceptionName\"").matcher(text);
    long n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** GET with an optional bearer token: the body, or null when unreachable or not 2xx. */
  String get(String url, String token) {
    HttpResponse<String> r = getResponse(url, token);
    return r != null && r.statusCode() / 100 == 2 ? r.body() : null;
  }

  HttpResponse<String> getResponse(String url, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  String api(String pathAndQuery) {
    return "http://127.0.0.1:" + analyticsPort + pathAndQuery;
  }

  /** Runs one ClickHouse statement over HTTP; the TabSeparated result. */
  String clickhouse(String sql) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + clickhouseHttpPort + "/"))
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(sql)).build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("clickhouse: " + r.statusCode() + " " + r.body().strip() + " for " + sql);
    }
    return r.body();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  void write(String name, String text) throws IOException {
    Files.writeString(work.resolve(name), text, StandardCharsets.UTF_8);
  }
}
