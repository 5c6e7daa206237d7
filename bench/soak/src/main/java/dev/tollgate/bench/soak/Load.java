package dev.tollgate.bench.soak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The soak's open-loop load generator and first ledger. Requests are sent at a fixed arrival rate
 * whatever the responses do, and each latency is measured from the request's SCHEDULED send time
 * (no coordinated omission), into one HdrHistogram per phase. Every outcome is classified: served
 * (and then expected in the API's totals), upstream error passed through, client disconnect, or
 * an error caused by Tollgate (a broken promise).
 *
 * <p>Threading: one scheduler thread sends; the JDK client's threads complete requests and update
 * the ledgers, which are concurrent or synchronised.
 */
final class Load implements AutoCloseable {

  /** Per-phase figures of what clients saw. */
  static final class PhaseStats {
    final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
    final AtomicLong sent = new AtomicLong();
    final AtomicLong ok = new AtomicLong();
    final AtomicLong upstreamErrors = new AtomicLong();
    final AtomicLong disconnects = new AtomicLong();
    final AtomicLong tollgateErrors = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
  }

  /** What the API must report for one (team, requested model). */
  static final class Expected {
    long requests;
    long inputTokens;
    long outputTokens;
    long costNanos;
    boolean exactTokens = true;
  }

  private final HttpClient http;
  private final String edge;
  private final String runId;
  private final double rate;
  private final ScheduledExecutorService retryTimer = Executors.newSingleThreadScheduledExecutor();
  /** Phases in the order they ran; written by the soak's main thread only. */
  private final Map<String, PhaseStats> phases = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<List<String>, Expected> expected = new LinkedHashMap<>();
  private final List<String> tollgateErrorSamples = new ArrayList<>();
  /** Requests with an error caused by Tollgate, per (team, model): served or not, nobody knows. */
  private final Map<List<String>, Long> unknownFate = new LinkedHashMap<>();
  private final AtomicInteger outstanding = new AtomicInteger();
  /** Outstanding requests of teams other than the spool-full phase's (retries waiting included). */
  private final AtomicInteger outstandingOthers = new AtomicInteger();
  private final AtomicLong inflightStarted = new AtomicLong();
  private final AtomicLong inflightCompleted = new AtomicLong();
  private final AtomicLong inflightSeq = new AtomicLong(1_000_000_000L);
  private volatile PhaseStats current;
  private volatile String teamOverride;
  /** While set, a connection the edge closed before answering is retried (as SDKs do). */
  private volatile boolean edgeRestarting;
  private volatile boolean stopped;
  private Thread scheduler;

  Load(String edgeBaseUrl, String runId, double rate) {
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .executor(Executors.newFixedThreadPool(4))
        .build();
    this.edge = edgeBaseUrl;
    this.runId = runId;
    this.rate = rate;
    phase("warmup");
  }

  void phase(String name) {
    current = phases.computeIfAbsent(name, k -> new PhaseStats());
  }

  void teamOverride(String team) {
    teamOverride = team;
  }

  void edgeRestarting(boolean on) {
    edgeRestarting = on;
  }

  Map<String, PhaseStats> phases() {
    synchronized (phases) {
      return new LinkedHashMap<>(phases);
    }
  }

  synchronized Map<List<String>, Expected> expected() {
    return new LinkedHashMap<>(expected);
  }

  synchronized Map<List<String>, Long> unknownFate() {
    return new LinkedHashMap<>(unknownFate);
  }

  synchronized List<String> tollgateErrorSamples() {
    return new ArrayList<>(tollgateErrorSamples);
  }

  long inflightStarted() {
    return inflightStarted.get();
  }

  long inflightCompleted() {
    return inflightCompleted.get();
  }

  void start() {
    scheduler = new Thread(this::schedule, "soak-scheduler");
    scheduler.setDaemon(true);
    scheduler.start();
  }

  private void schedule() {
    long start = System.nanoTime();
    double intervalNanos = 1e9 / rate;
    for (long seq = 0; !stopped; seq++) {
      long at = start + (long) (seq * intervalNanos);
      long wait;
      while ((wait = at - System.nanoTime()) > 0 && !stopped) {
        LockSupport.parkNanos(wait);
      }
      if (stopped) {
        break;
      }
      Traffic t = Traffic.of(seq, runId, teamOverride);
      PhaseStats stats = current;
      stats.sent.incrementAndGet();
      send(t, at, stats, 0);
    }
  }

  /** Starts {@code count} long streams now; they must all complete across an edge restart. */
  void startInflightStreams(int count) {
    for (int i = 0; i < count; i++) {
      Traffic t = Traffic.inflight(inflightSeq.getAndIncrement(), runId);
      inflightStarted.incrementAndGet();
      send(t, System.nanoTime(), current, 0);
    }
  }

  /** Stops sending and waits (bounded) for outstanding requests. */
  void stopAndDrain(Duration max) {
    stopped = true;
    if (scheduler != null) {
      try {
        scheduler.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    long deadline = System.nanoTime() + max.toNanos();
    while (outstanding.get() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(50_000_000L);
    }
  }

  private HttpRequest request(Traffic t) {
    String key = Traffic.providerKey(runId, t.team());
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(edge + t.kind().path))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .header("X-Tollgate-Tenant", Traffic.TENANT)
        .header("X-Tollgate-Team", t.team())
        .header("X-Tollgate-Service", "soak")
        .header("x-fake-usage", "input=" + t.input() + ",output=" + t.output())
        .header("x-fake-chunks", Integer.toString(t.chunks()))
        .POST(HttpRequest.BodyPublishers.ofString(t.body()));
    if (t.kind().anthropic()) {
      b.header("x-api-key", key).header("anthropic-version", "2023-06-01");
    } else {
      b.header("Authorization", "Bearer " + key);
    }
    if (t.upstreamStatus() != 0) {
      b.header("x-fake-status", Integer.toString(t.upstreamStatus()));
    }
    if (t.slow()) {
      b.header("x-fake-chunk-delay-ms", "300");
    } else if (t.disconnect()) {
      b.header("x-fake-chunk-delay-ms", "50");
    }
    return b.build();
  }

  /** Counts a request as outstanding (+1) or no longer (-1). */
  private void hold(Traffic t, int delta) {
    outstanding.addAndGet(delta);
    if (!t.team().equals(Traffic.TEAM_SPOOL)) {
      outstandingOthers.addAndGet(delta);
    }
  }

  /**
   * Waits (bounded) until no request of another team than the spool-full phase's is outstanding,
   * so that every event the edge can drop from now on is that team's.
   */
  boolean awaitOthersDone(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    while (outstandingOthers.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      LockSupport.parkNanos(50_000_000L);
    }
    return true;
  }

  private void send(Traffic t, long scheduledNanos, PhaseStats stats, int attempt) {
    hold(t, 1);
    CompletableFuture<Outcome> future;
    HttpRequest req = request(t);
    if (t.kind().stream && t.upstreamStatus() == 0) {
      // The line subscriber's own body stage never completes once we cancel (a disconnect), so the
      // reader completes its own future.
      StreamReader reader = new StreamReader(t);
      future = reader.done;
      http.sendAsync(req, r -> r.statusCode() == 200
              ? HttpResponse.BodySubscribers.fromLineSubscriber(reader, s -> null, StandardCharsets.UTF_8, "\n")
              : HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                  body -> reader.done.complete(Outcome.tollgate("status " + r.statusCode()))))
          .whenComplete((r, e) -> {
            if (e != null) {
              reader.done.completeExceptionally(e);
            }
          });
    } else {
      future = http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
          .thenApply(r -> classify(t, r.statusCode(), r.body()));
    }
    future.whenComplete((outcome, failure) -> {
      try {
        if (failure != null) {
          Throwable cause = rootCause(failure);
          long age = System.nanoTime() - scheduledNanos;
          if (edgeRestarting && cause instanceof IOException && age < TimeUnit.SECONDS.toNanos(60) && !stopped) {
            // While the edge restarts a connection is refused, or an idle keep-alive connection is
            // closed under the request: a client retries, as SDKs do. A request the edge did forward
            // and then lost would reach the provider twice, and the API ledger shows it. Outside the
            // restart a transport failure is an error caused by Tollgate.
            stats.retries.incrementAndGet();
            long backoffMillis = Math.min(2_000, 100L << Math.min(attempt, 5)); // 100 ms doubling to 2 s, as SDKs do
            hold(t, 1); // still outstanding while the retry waits
            retryTimer.schedule(() -> {
              send(t, scheduledNanos, stats, attempt + 1);
              hold(t, -1);
            }, backoffMillis, TimeUnit.MILLISECONDS);
            return;
          }
          outcome = Outcome.tollgate(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        record(t, scheduledNanos, stats, outcome);
      } finally {
        hold(t, -1);
      }
    });
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  private Outcome classify(Traffic t, int status, String body) {
    if (t.upstreamStatus() != 0) {
      // Passed through as itself: the provider's status and its error shape.
      boolean shaped = body != null && body.contains("\"error\"") || body != null && body.contains("\"type\":\"error\"");
      return status == t.upstreamStatus() && shaped
          ? Outcome.UPSTREAM_ERROR
          : Outcome.tollgate("upstream " + t.upstreamStatus() + " arrived as " + status);
    }
    if (status != 200) {
      return Outcome.tollgate("status " + status);
    }
    boolean complete = switch (t.kind()) {
      case CHAT -> body.contains("\"chat.completion\"") && body.contains("\"usage\"");
      case RESPONSES -> body.contains("\"status\":\"completed\"") && body.contains("\"usage\"");
      case MESSAGES -> body.contains("\"type\":\"message\"") && body.contains("\"usage\"");
      default -> false;
    };
    return complete ? Outcome.OK : Outcome.tollgate("incomplete " + t.kind() + " body");
  }

  private void record(Traffic t, long scheduledNanos, PhaseStats stats, Outcome outcome) {
    long micros = (System.nanoTime() - scheduledNanos) / 1000;
    switch (outcome.kind) {
      case OK -> {
        if (t.slow()) {
          inflightCompleted.incrementAndGet();
        } else {
          stats.ok.incrementAndGet();
          synchronized (stats.latency) {
            stats.latency.recordValue(Math.min(micros, stats.latency.getHighestTrackableValue()));
          }
        }
      }
      case UPSTREAM_ERROR -> stats.upstreamErrors.incrementAndGet();
      case DISCONNECTED -> stats.disconnects.incrementAndGet();
      case TOLLGATE_ERROR -> {
        stats.tollgateErrors.incrementAndGet();
        synchronized (this) {
          unknownFate.merge(List.of(t.team(), t.kind().model), 1L, Long::sum);
          if (tollgateErrorSamples.size() < 20) {
            tollgateErrorSamples.add(t.kind() + " team=" + t.team() + " seq=" + t.seq() + ": " + outcome.detail);
          }
        }
        return; // not known to have been served: a broken promise either way
      }
    }
    synchronized (this) {
      Expected e = expected.computeIfAbsent(List.of(t.team(), t.kind().model), k -> new Expected());
      e.requests++;
      e.inputTokens += t.expectedInput();
      e.outputTokens += t.expectedOutput();
      e.costNanos += t.expectedCostNanos();
      e.exactTokens &= t.exactTokens();
    }
  }

  @Override
  public void close() {
    stopped = true;
    retryTimer.shutdownNow();
  }

  /** How one request ended, as a client sees it. */
  static final class Outcome {
    enum Kind { OK, UPSTREAM_ERROR, DISCONNECTED, TOLLGATE_ERROR }

    static final Outcome OK = new Outcome(Kind.OK, "");
    static final Outcome UPSTREAM_ERROR = new Outcome(Kind.UPSTREAM_ERROR, "");
    static final Outcome DISCONNECTED = new Outcome(Kind.DISCONNECTED, "");

    final Kind kind;
    final String detail;

    private Outcome(Kind kind, String detail) {
      this.kind = kind;
      this.detail = detail;
    }

    static Outcome tollgate(String detail) {
      return new Outcome(Kind.TOLLGATE_ERROR, detail);
    }
  }

  /**
   * Reads an SSE stream line by line: complete when the protocol's final event arrives; for a
   * disconnect request, cancels (closing the connection) after the third data line.
   */
  private static final class StreamReader implements Flow.Subscriber<String> {
    private final Traffic t;
    private Flow.Subscription subscription;
    private int dataLines;
    private boolean finished;
    private boolean errorEvent;
    private Outcome outcome;
    final CompletableFuture<Outcome> done = new CompletableFuture<>();

    StreamReader(Traffic t) {
      this.t = t;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (outcome != null) {
        return;
      }
      if (line.startsWith("data:")) {
        dataLines++;
        if (line.contains("[DONE]")) {
          finished = true;
        }
        if (line.contains("\"error\"") && !line.contains("\"error\":null")) {
          errorEvent = true;
        }
      } else if (line.startsWith("event: message_stop")) {
        finished = true;
      } else if (line.startsWith("event: error")) {
        errorEvent = true;
      }
      if (t.disconnect() && dataLines >= 3) {
        outcome = Outcome.DISCONNECTED;
        subscription.cancel();
        done.complete(outcome);
      }
    }

    @Override
    public void onError(Throwable e) {
      if (outcome == null) {
        outcome = Outcome.tollgate("stream broken after " + dataLines + " data lines: " + e);
      }
      done.complete(outcome);
    }

    @Override
    public void onComplete() {
      if (outcome == null) {
        outcome = finished && !errorEvent ? Outcome.OK
            : Outcome.tollgate("stream ended without its final event after " + dataLines + " data lines");
      }
      done.complete(outcome);
    }
  }

}
