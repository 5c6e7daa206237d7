package dev.tollgate.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;

/**
 * The whole-system soak: starts a private stack, drives the mixed open-loop load through the fault
 * schedule, waits for the pipeline to catch up, reconciles the three ledgers (generator, edge
 * /metrics, analytics API), scans for leaks, probes tenant isolation, prints one table and exits
 * non-zero when any promise is broken. Configured by environment (see {@code bench/soak/run}).
 *
 * <p>Runs on the main thread; the load generator has its own threads.
 */
public final class Soak {

  /** Phases during which a pipeline component is down or recovering: p99 must stay near baseline. */
  private static final List<String> PIPELINE_FAULTS = List.of(
      "kafka-down", "kafka-recovery", "clickhouse-down", "clickhouse-recovery", "job-restart",
      "spool-full", "spool-recovery");
  private static final String SPOOL_LIMIT = "65536";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Stack stack;
  private final boolean shortRun;
  private final double rate;
  private final Duration duration;
  private final String runId;
  private final Instant started = Instant.now();
  private final long startNanos = System.nanoTime();
  private final Map<String, Long> edgeTotals = new TreeMap<>();
  private final List<String[]> rows = new ArrayList<>();
  private final List<String> broken = new ArrayList<>();
  private final StringBuilder apiCapture = new StringBuilder();
  private final String soakToken;
  private final String otherToken;
  private Load load;
  private long jobRestartsSeen;
  private int otherSent;

  private Soak(Stack stack, boolean shortRun, double rate, Duration duration, String runId) {
    this.stack = stack;
    this.shortRun = shortRun;
    this.rate = rate;
    this.duration = duration;
    this.runId = runId;
    this.soakToken = "tg_soak_" + runId + "_a";
    this.otherToken = "tg_soak_" + runId + "_b";
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    boolean shortRun = List.of(args).contains("--short");
    Stack stack = new Stack(
        Path.of(env.get("SOAK_ROOT")), Path.of(env.get("SOAK_CONFIG")), Path.of(env.get("SOAK_WORK")),
        Path.of(env.get("SOAK_DATA")), port(env, "SOAK_EDGE_PORT"), port(env, "SOAK_ADMIN_PORT"),
        port(env, "SOAK_ANALYTICS_PORT"), port(env, "SOAK_CLICKHOUSE_HTTP_PORT"),
        "127.0.0.1:" + port(env, "SOAK_KAFKA_PORT"), port(env, "SOAK_JOB_REST_PORT"));
    double rate = Double.parseDouble(env.getOrDefault("RATE", shortRun ? "60" : "300"));
    Duration duration = duration(env.getOrDefault("DURATION", shortRun ? "60s" : "10m"));
    Soak soak = new Soak(stack, shortRun, rate, duration, env.get("SOAK_RUN_ID"));
    int rc;
    try {
      rc = soak.run();
    } catch (Exception | Error e) {
      log("soak aborted: " + e);
      e.printStackTrace();
      rc = 2;
    }
    System.exit(rc);
  }

  private static int port(Map<String, String> env, String name) {
    return Integer.parseInt(env.get(name));
  }

  static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long n = Long.parseLong(t.replaceAll("[a-z]+$", ""));
    return t.endsWith("m") ? Duration.ofMinutes(n) : t.endsWith("h") ? Duration.ofHours(n) : Duration.ofSeconds(n);
  }

  private static void log(String msg) {
    System.err.printf("%s soak: %s%n", java.time.LocalTime.now().truncatedTo(ChronoUnit.SECONDS), msg);
  }

  private int run() throws Exception {
    log("starting the private stack (data " + stack.dataDir + ")");
    stack.start("clickhouse", "kafka", "fake-provider");
    Path tokens = stack.work.resolve("analytics-tokens.yaml");
    Files.writeString(tokens, "tokens:\n"
        + "  - {name: soak, tenant: " + Traffic.TENANT + ", sha256: " + sha256(soakToken) + "}\n"
        + "  - {name: other, tenant: " + Traffic.OTHER_TENANT + ", sha256: " + sha256(otherToken) + "}\n");
    // Only the API gets the soak's tokens file (the bootstrap, run again with every job start,
    // rewrites the configured one); it starts beside the job and the edge.
    Thread api = new Thread(() -> stack.start(Map.of("TOLLGATE_ANALYTICS_TOKENS_FILE", tokens.toString()), "analytics-api"));
    api.start();
    stack.start("attribution-job", "proxy-edge");
    api.join();
    log("stack up after " + secondsSinceStart() + " s; load at " + rate + " req/s for " + duration.toSeconds() + " s");

    sendOtherTenant();
    load = new Load("http://127.0.0.1:" + stack.edgePort, runId, rate);
    load.phase("warmup");
    load.start();
    schedule();
    log("load stopped; draining");
    load.stopAndDrain(Duration.ofSeconds(30));
    addEdgeMetrics(stack.edgeMetrics());

    Map<List<String>, Load.Expected> expected = load.expected();
    JsonNode spend = catchUp(expected);
    log("reconciling the ledgers");
    reconcile(expected, spend);
    log("probing the API with another tenant's token");
    probes();
    log("scanning for leaks");
    leaks();
    print();
    load.close();
    return broken.isEmpty() ? 0 : 1;
  }

  private long secondsSinceStart() {
    return (System.nanoTime() - startNanos) / 1_000_000_000L;
  }

  /**
   * The fault schedule. The short run shortens every step and omits the separate Kafka outage
   * (the spool phase kills Kafka too).
   */
  private void schedule() {
    long loadStart = System.nanoTime();
    Duration down = shortRun ? Duration.ofSeconds(5) : Duration.ofSeconds(60);
    Duration recover = shortRun ? Duration.ofSeconds(2) : Duration.ofSeconds(30);
    pause(shortRun ? 3 : 15);
    load.phase("baseline");
    pause(shortRun ? 6 : 60);

    if (!shortRun) {
      log("kafka: SIGKILL for " + down.toSeconds() + " s");
      load.phase("kafka-down");
      stack.kill("kafka");
      sleep(down);
      stack.start("kafka");
      load.phase("kafka-recovery");
      waitSpoolDrained(Duration.ofMinutes(3));
      sleep(recover);
    }

    log("clickhouse: SIGKILL for " + down.toSeconds() + " s");
    load.phase("clickhouse-down");
    stack.kill("clickhouse");
    sleep(down);
    stack.start("clickhouse");
    load.phase("clickhouse-recovery");
    sleep(recover);

    log("attribution job: SIGKILL, then started again");
    load.phase("job-restart");
    jobRestartsSeen = stack.jobFailures();
    stack.kill("attribution-job");
    stack.start("attribution-job");
    sleep(recover);

    // Graceful restart with streams in flight; the new edge gets the small spool for the next phase.
    log("proxy-edge: graceful restart (SIGTERM) with streams in flight; the new one has a " + SPOOL_LIMIT + "-byte spool");
    load.phase("edge-restart");
    load.startInflightStreams(shortRun ? 10 : 20);
    pause(1);
    addEdgeMetrics(stack.edgeMetrics());
    load.edgeRestarting(true);
    stack.stop("proxy-edge");
    stack.env("TOLLGATE_EDGE_SPOOL_MAX_BYTES", SPOOL_LIMIT);
    stack.start("proxy-edge");
    stack.env("TOLLGATE_EDGE_SPOOL_MAX_BYTES", null);
    pause(shortRun ? 1 : 10);
    load.edgeRestarting(false);

    // Every event that can be dropped belongs to the spool team: Kafka dies only once every request
    // of another team has ended (and its event had 2 s to reach Kafka), and the team ends once the
    // spool has drained (no drop is possible after).
    log("kafka: SIGKILL while the small spool fills");
    load.phase("spool-full");
    load.teamOverride(Traffic.TEAM_SPOOL);
    if (!load.awaitOthersDone(Duration.ofSeconds(90))) {
      log("requests of other teams still outstanding at the spool phase's Kafka kill: drops may be misattributed");
    }
    pause(2);
    stack.kill("kafka");
    sleep(shortRun ? Duration.ofSeconds(4) : Duration.ofSeconds(30));
    stack.start("kafka");
    load.phase("spool-recovery");
    waitSpoolDrained(Duration.ofMinutes(3));
    pause(1);
    load.teamOverride(null);
    sleep(recover);

    log("tail (fault-free)");
    load.phase("tail");
    long left = duration.toNanos() - (System.nanoTime() - loadStart);
    sleep(Duration.ofNanos(Math.max(left, Duration.ofSeconds(shortRun ? 2 : 5).toNanos())));
  }

  private void waitSpoolDrained(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      Long records = stack.edgeMetrics().get("edge_spool_records");
      if (records != null && records == 0) {
        return;
      }
      LockSupport.parkNanos(250_000_000L);
    }
    log("spool not drained within " + max.toSeconds() + " s");
  }

  private void addEdgeMetrics(Map<String, Long> m) {
    m.forEach((k, v) -> {
      if (!k.startsWith("edge_spool") && !k.equals("edge_requests_in_flight")) {
        edgeTotals.merge(k, v, Long::sum);
      }
    });
  }

  private static void pause(int seconds) {
    sleep(Duration.ofSeconds(seconds));
  }

  private static void sleep(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    long left;
    while ((left = end - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  /** A few calls of another tenant, so that isolation is checked against data that exists. */
  private void sendOtherTenant() throws IOException, InterruptedException {
    for (int i = 0; i < 20; i++) {
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.edgePort + "/openai/v1/chat/completions"))
          .header("Authorization", "Bearer " + Traffic.providerKey(runId, "other"))
          .header("X-Tollgate-Tenant", Traffic.OTHER_TENANT).header("X-Tollgate-Team", "other-team")
          .header("x-fake-usage", "input=10,output=2")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\""
              + Traffic.marker(runId, 2_000_000_000L + i) + "\"}]}"))
          .build();
      HttpResponse<String> r = stack.http.send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        otherSent++;
      }
    }
  }

  private String spendUrl(boolean wholeHours) {
    Instant from = wholeHours ? started.truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.HOURS) : started.minusSeconds(60);
    Instant to = wholeHours ? Instant.now().truncatedTo(ChronoUnit.HOURS).plus(2, ChronoUnit.HOURS) : Instant.now().plusSeconds(60);
    return stack.api("/v1/spend?group_by=team,model&limit=1000&from=" + Stack.enc(from.toString()) + "&to=" + Stack.enc(to.toString()));
  }

  private JsonNode apiJson(String url, String token) throws IOException {
    HttpResponse<String> r = stack.getResponse(url, token);
    if (r == null) {
      return null;
    }
    capture(url, r);
    return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
  }

  private void capture(String url, HttpResponse<String> r) {
    apiCapture.append(url).append(" -> ").append(r.statusCode()).append('\n').append(r.body()).append("\n\n");
  }

  /** Waits until the API's request total reaches the generator's (less drops) and stays. */
  private JsonNode catchUp(Map<List<String>, Load.Expected> expected) throws IOException {
    long want = expected.values().stream().mapToLong(e -> e.requests).sum() - edgeTotals.getOrDefault("dropped", 0L);
    long unknown = load.unknownFate().values().stream().mapToLong(Long::longValue).sum();
    long deadline = System.nanoTime() + (shortRun ? Duration.ofSeconds(60) : Duration.ofMinutes(5)).toNanos();
    long waitStart = System.nanoTime();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      JsonNode spend = apiJson(spendUrl(true), soakToken);
      long got = spend == null ? -1 : spend.path("totals").path("requests").asLong(-1);
      if (got >= want && got <= want + unknown) {
        LockSupport.parkNanos(3_000_000_000L); // the same figure again: nothing more arrives
        JsonNode again = apiJson(spendUrl(true), soakToken);
        if (again != null && again.path("totals").path("requests").asLong() == got) {
          log("pipeline caught up in " + (System.nanoTime() - waitStart) / 1_000_000 + " ms");
          return again;
        }
      }
      last = spend;
      LockSupport.parkNanos(1_000_000_000L);
    }
    log("pipeline did not reach the expected total within the catch-up limit");
    JsonNode finalRead = apiJson(spendUrl(true), soakToken);
    return finalRead != null ? finalRead : last;
  }

  private void row(String ledger, String figure, Object value, String promise, Boolean ok) {
    rows.add(new String[] {ledger, figure, String.valueOf(value), promise, ok == null ? "" : ok ? "ok" : "BROKEN"});
    if (ok != null && !ok) {
      broken.add(ledger + " / " + figure + " = " + value + " (promise: " + promise + ")");
    }
  }

  private void reconcile(Map<List<String>, Load.Expected> expected, JsonNode spend) throws IOException {
    // Generator ledger, per phase.
    Map<String, Load.PhaseStats> phases = load.phases();
    // Fault-free p99: the lower of the baseline's and the tail's (the stricter reference; either
    // can be disturbed by warm-up or by other work on a shared machine).
    double baseP99 = Math.min(p99(phases.get("baseline")), phases.containsKey("tail") ? p99(phases.get("tail")) : Double.MAX_VALUE);
    row("generator", "fault-free p99 (lower of baseline and tail)", String.format(Locale.ROOT, "%.2f ms", baseP99), "", null);
    long sent = 0;
    long tollgateErrors = 0;
    for (Map.Entry<String, Load.PhaseStats> e : phases.entrySet()) {
      Load.PhaseStats s = e.getValue();
      sent += s.sent.get();
      tollgateErrors += s.tollgateErrors.get();
      double p50 = s.latency.getValueAtPercentile(50) / 1000.0;
      double p99 = s.latency.getValueAtPercentile(99) / 1000.0;
      String figure = String.format(Locale.ROOT, "%s: sent %d, ok %d, upstream errors %d, disconnects %d, retries %d",
          e.getKey(), s.sent.get(), s.ok.get(), s.upstreamErrors.get(), s.disconnects.get(), s.retries.get());
      boolean fault = PIPELINE_FAULTS.contains(e.getKey());
      Boolean latencyOk = fault && !shortRun ? p99 <= baseP99 + 1.0 : null;
      row("generator", figure, String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms", p50, p99),
          fault ? "p99 <= baseline p99 + 1 ms" + (shortRun ? " (reported only in --short)" : "") : "", latencyOk);
      row("generator", e.getKey() + ": client-visible errors caused by Tollgate", s.tollgateErrors.get(), "0",
          s.tollgateErrors.get() == 0);
    }
    row("generator", "requests sent (all phases)", sent, "", null);
    load.tollgateErrorSamples().forEach(s -> log("tollgate-caused error: " + s));
    row("generator", "in-flight streams across the graceful edge restart: completed / started",
        load.inflightCompleted() + " / " + load.inflightStarted(), "all complete",
        load.inflightCompleted() == load.inflightStarted() && load.inflightStarted() > 0);

    // Proxy ledger (summed over the edge's incarnations).
    long dropped = edgeTotals.getOrDefault("dropped", 0L);
    row("proxy /metrics", "events published / spooled / replayed / dropped",
        edgeTotals.getOrDefault("published", 0L) + " / " + edgeTotals.getOrDefault("spooled", 0L) + " / "
            + edgeTotals.getOrDefault("replayed", 0L) + " / " + dropped, "dropped > 0 (the spool filled)", dropped > 0);
    row("proxy /metrics", "requests with outcome client_disconnected", edgeTotals.getOrDefault("outcome_client_disconnected", 0L),
        "", null);
    row("job", "task failures recovered in-process before the job kill (exception history)", jobRestartsSeen, "", null);

    // API ledger vs expectations, per (team, requested model).
    java.util.Comparator<List<String>> byTeamModel = java.util.Comparator.comparing((List<String> k) -> k.get(0))
        .thenComparing(k -> k.get(1));
    Map<List<String>, long[]> api = new TreeMap<>(byTeamModel);
    List<String> unmatched = new ArrayList<>();
    BigDecimal billion = BigDecimal.valueOf(1_000_000_000L);
    if (spend != null) {
      for (JsonNode r : spend.path("rows")) {
        String team = r.path("team").asText();
        String model = r.path("model").asText();
        String requested = expected.keySet().stream().map(k -> k.get(1)).distinct()
            .filter(m -> model.equals(m) || model.startsWith(m + "-")).findFirst().orElse(null);
        if (requested == null) {
          unmatched.add(team + "/" + model);
          continue;
        }
        long[] v = api.computeIfAbsent(List.of(team, requested), k -> new long[4]);
        v[0] += r.path("requests").asLong();
        v[1] += r.path("input_tokens").asLong();
        v[2] += r.path("output_tokens").asLong();
        v[3] += new BigDecimal(r.path("cost_usd").asText("0")).multiply(billion).longValueExact();
      }
    }
    TreeSet<List<String>> keys = new TreeSet<>(byTeamModel);
    keys.addAll(expected.keySet());
    keys.addAll(api.keySet());
    long apiTotal = 0;
    long wantTotal = 0;
    Map<List<String>, Long> unknownFate = load.unknownFate();
    long unknownTotal = unknownFate.values().stream().mapToLong(Long::longValue).sum();
    for (List<String> k : keys) {
      Load.Expected e = expected.getOrDefault(k, new Load.Expected());
      long[] a = api.getOrDefault(k, new long[4]);
      apiTotal += a[0];
      wantTotal += e.requests;
      String team = k.get(0);
      boolean spool = team.equals(Traffic.TEAM_SPOOL);
      boolean exactTokens = e.exactTokens && !spool;
      String figure = team + " / " + k.get(1) + ": requests, input, output tokens, cost USD (api vs expected)";
      String value = a[0] + " vs " + e.requests + "; " + a[1] + " vs " + e.inputTokens + "; " + a[2] + " vs "
          + e.outputTokens + "; " + usd(a[3]) + " vs " + usd(e.costNanos);
      long unknown = unknownFate.getOrDefault(k, 0L);
      // A request that failed because of Tollgate (already a broken promise above) may or may not
      // have been served: it may add one here, never more.
      boolean requestsOk = spool ? a[0] <= e.requests + unknown : a[0] >= e.requests && a[0] <= e.requests + unknown;
      if (unknown > 0) {
        value += " (+ up to " + unknown + " with a Tollgate-caused error)";
      }
      boolean tokensOk = !exactTokens || unknown > 0
          || a[1] == e.inputTokens && a[2] == e.outputTokens && a[3] == e.costNanos;
      row("analytics API", figure, value,
          spool ? "requests = sent - dropped (checked in total)" : exactTokens ? "all equal" : "requests equal (tokens estimated)",
          requestsOk && tokensOk);
    }
    row("analytics API", "rows of a model the soak did not send", unmatched, "none", unmatched.isEmpty());
    row("ledgers", "API requests = served - dropped", apiTotal + " = " + wantTotal + " - " + dropped
            + (unknownTotal > 0 ? " (+ up to " + unknownTotal + " with a Tollgate-caused error)" : ""),
        "exactly once", apiTotal >= wantTotal - dropped && apiTotal <= wantTotal - dropped + unknownTotal);
    Long spoolSent = expected.entrySet().stream().filter(e -> e.getKey().get(0).equals(Traffic.TEAM_SPOOL))
        .mapToLong(e -> e.getValue().requests).sum();
    Long spoolApi = api.entrySet().stream().filter(e -> e.getKey().get(0).equals(Traffic.TEAM_SPOOL))
        .mapToLong(e -> e.getValue()[0]).sum();
    row("ledgers", "spool-full phase: served - in API = dropped", (spoolSent - spoolApi) + " = " + dropped,
        "equal", spoolSent - spoolApi == dropped);

    // The raw table (a range of partial hours is read from raw rows) must agree with the rollups.
    JsonNode raw = apiJson(spendUrl(false), soakToken);
    long rawTotal = raw == null ? -1 : raw.path("totals").path("requests").asLong(-1);
    String rawCost = raw == null ? "?" : raw.path("totals").path("cost_usd").asText();
    String rollCost = spend == null ? "?" : spend.path("totals").path("cost_usd").asText();
    row("analytics API", "raw rows vs hourly rollups: requests, cost", rawTotal + " vs " + apiTotal + "; " + rawCost + " vs " + rollCost,
        "equal", rawTotal == apiTotal && rawCost.equals(rollCost));
  }

  private static double p99(Load.PhaseStats s) {
    synchronized (s.latency) {
      return s.latency.getTotalCount() == 0 ? Double.MAX_VALUE : s.latency.getValueAtPercentile(99) / 1000.0;
    }
  }

  private static String usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }

  /** Another tenant's token and injection payloads: no row of the soak tenant may come back. */
  private void probes() throws IOException {
    Instant from = started.minus(1, ChronoUnit.HOURS);
    Instant to = Instant.now().plus(1, ChronoUnit.HOURS);
    String range = "from=" + Stack.enc(from.toString()) + "&to=" + Stack.enc(to.toString());
    JsonNode mine = apiJson(stack.api("/v1/invocations?limit=20&" + range), soakToken);
    String soakEventId = mine == null || mine.path("rows").isEmpty() ? null : mine.path("rows").get(0).path("event_id").asText(null);
    List<String> payloads = List.of(
        "soak-a' OR '1'='1", "') OR 1=1 --", "soak-a\\' OR tenant='soak", "x' UNION ALL SELECT * FROM invocations --",
        "%' OR team LIKE '%", "soak-a\u0000", "*");
    List<String> urls = new ArrayList<>(List.of(
        "/v1/spend?group_by=team,model&" + range,
        "/v1/spend?group_by=tenant&" + range,
        "/v1/spend?group_by=team&filter.tenant=" + Traffic.TENANT + "&" + range,
        "/v1/top/team?" + range,
        "/v1/invocations?limit=1000&" + range,
        "/v1/dimensions/team/values?" + range));
    List<String> injections = new ArrayList<>(List.of(
        "/v1/spend?group_by=" + Stack.enc("team) UNION ALL SELECT team FROM invocations --") + "&" + range,
        "/v1/spend?group_by=team&order=" + Stack.enc("cost; DROP TABLE invocations") + "&" + range));
    for (String p : payloads) {
      injections.add("/v1/spend?group_by=team&filter.team=" + Stack.enc(p) + "&" + range);
      injections.add("/v1/invocations?filter.team=" + Stack.enc(p) + "&" + range);
    }
    urls.addAll(injections);
    if (soakEventId != null) {
      urls.add("/v1/invocations/" + Stack.enc(soakEventId));
    }
    int leaked = 0;
    int answered = 0;
    long otherRequests = -1;
    for (String u : urls) {
      HttpResponse<String> r = stack.getResponse(stack.api(u), otherToken);
      if (r == null) {
        continue;
      }
      capture(u, r);
      answered++;
      if (r.statusCode() != 200) {
        continue;
      }
      JsonNode body = JSON.readTree(r.body());
      leaked += soakRows(body);
      if (u.startsWith("/v1/spend?group_by=team,model")) {
        otherRequests = body.path("totals").path("requests").asLong(-1);
      }
      if (u.startsWith("/v1/invocations/")) {
        leaked++; // another tenant's event by id must not be found
      }
    }
    row("security", "API probes with another tenant's token (" + urls.size() + " incl. " + injections.size() + " injection probes): soak rows returned",
        leaked + " (answered " + answered + ")", "0", leaked == 0 && answered == urls.size());
    row("security", "other tenant sees its own calls", otherRequests + " of " + otherSent, "equal", otherRequests == otherSent);
    JsonNode after = apiJson(spendUrl(true), soakToken);
    row("security", "soak totals unchanged after the probes", after == null ? "?" : after.path("totals").path("requests").asLong(),
        "", null);
  }

  /** Objects with a team or tenant field naming the soak tenant's data. */
  private static int soakRows(JsonNode n) {
    int count = 0;
    if (n.isObject()) {
      String team = n.path("team").asText("");
      String tenant = n.path("tenant").asText("");
      if (team.startsWith("soak-") || tenant.equals(Traffic.TENANT)) {
        count++;
      }
    }
    for (JsonNode c : n) {
      count += soakRows(c);
    }
    return count;
  }

  private void leaks() throws Exception {
    Path captured = stack.work.resolve("api-responses.txt");
    Files.writeString(captured, apiCapture.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING);
    LeakScan scan = new LeakScan(List.of(Traffic.markerPrefix(runId), Traffic.keyPrefix(runId)));
    List<LeakScan.Area> areas = new ArrayList<>(scan.files(stack.dataDir, captured));
    areas.add(scan.kafka(stack.kafkaBootstrap));
    areas.add(scan.clickhouse(stack, "tollgate"));
    for (LeakScan.Area a : areas) {
      row("leak scan", a.name() + String.format(Locale.ROOT, " (%d items, %.1f MiB)", a.items(), a.bytes() / 1048576.0),
          a.hits().isEmpty() ? "0 hits" : a.hits().size() + " hits: " + a.hits().subList(0, Math.min(5, a.hits().size())),
          "0 hits of keys or prompt markers", a.hits().isEmpty() && a.items() > 0 || a.hits().isEmpty() && a.name().startsWith("files"));
    }
  }

  private void print() {
    StringBuilder out = new StringBuilder();
    out.append("\n| ledger | figure | value | promise | |\n|---|---|---|---|---|\n");
    for (String[] r : rows) {
      out.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    out.append('\n').append(broken.isEmpty() ? "ALL PROMISES KEPT" : "BROKEN PROMISES: " + broken.size()).append('\n');
    broken.forEach(b -> out.append("  - ").append(b).append('\n'));
    System.out.print(out);
    try {
      stack.write("table.md", out.toString());
    } catch (IOException e) {
      log("could not write table.md: " + e);
    }
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
