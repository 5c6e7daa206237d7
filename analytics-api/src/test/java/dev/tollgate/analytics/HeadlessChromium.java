package dev.tollgate.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium (Debian's {@code chromium} package) driven over the Chrome DevTools
 * protocol with Java's own WebSocket client: navigate, evaluate JavaScript, screenshot. Console
 * errors, uncaught exceptions and CSP violations are collected so a test can assert there were none.
 */
final class HeadlessChromium implements AutoCloseable {

  static final Path BINARY = Path.of(System.getProperty("tollgate.chromium", "/usr/bin/chromium"));
  private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> problems = Collections.synchronizedList(new ArrayList<>());

  private HeadlessChromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** Starts Chromium; fails (never skips) when it is not installed, naming the install command. */
  static HeadlessChromium start() throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new AssertionError("Chromium is not installed at " + BINARY + ", so the dashboard end-to-end test cannot run;"
          + " install it with: apt-get install -y chromium");
    }
    Path profile = Files.createTempDirectory("tollgate-chromium");
    Process process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
        "--disable-background-networking", "--disable-sync", "--mute-audio", "--hide-scrollbars",
        "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--user-data-dir=" + profile,
        "--window-size=1400,2000", "about:blank")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      String browserUrl = devToolsUrl(process);
      URI browser = URI.create(browserUrl);
      HttpClient http = HttpClient.newHttpClient();
      String pageUrl = null;
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (pageUrl == null && System.nanoTime() < deadline) {
        HttpResponse<String> list = http.send(HttpRequest.newBuilder(
            URI.create("http://" + browser.getHost() + ":" + browser.getPort() + "/json/list")).build(),
            HttpResponse.BodyHandlers.ofString());
        for (JsonNode target : JSON.readTree(list.body())) {
          if (target.path("type").asText().equals("page")) {
            pageUrl = target.path("webSocketDebuggerUrl").asText();
          }
        }
        if (pageUrl == null) {
          Thread.onSpinWait();
        }
      }
      if (pageUrl == null) {
        throw new IllegalStateException("Chromium opened no page target");
      }
      Listener listener = new Listener();
      WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl), listener).get(10, TimeUnit.SECONDS);
      HeadlessChromium chromium = new HeadlessChromium(process, profile, socket);
      listener.owner = chromium;
      chromium.send("Runtime.enable", JSON.createObjectNode());
      chromium.send("Log.enable", JSON.createObjectNode());
      chromium.send("Page.enable", JSON.createObjectNode());
      return chromium;
    } catch (Exception e) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      deleteProfile(profile);
      throw e;
    }
  }

  private static String devToolsUrl(Process process) throws Exception {
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = err.readLine()) != null) {
          Matcher m = DEVTOOLS.matcher(line);
          if (m.find()) {
            url.complete(m.group(1));
          }
        }
        url.completeExceptionally(new IllegalStateException("Chromium exited before opening DevTools"));
      } catch (IOException e) {
        url.completeExceptionally(e);
      }
    }, "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    return url.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  JsonNode send(String method, ObjectNode params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", params);
    socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
    JsonNode result = answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (result.has("error")) {
      throw new IllegalStateException(method + " failed: " + result.get("error"));
    }
    return result.path("result");
  }

  void navigate(String url) throws Exception {
    send("Page.navigate", JSON.createObjectNode().put("url", url));
  }

  /** The value of a JavaScript expression (awaited when it is a promise), as JSON. */
  JsonNode evaluate(String expression) throws Exception {
    JsonNode result = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
        .put("returnByValue", true).put("awaitPromise", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("script failed: " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  String text(String expression) throws Exception {
    return evaluate(expression).asText();
  }

  /** Polls {@code condition} until true; fails after the timeout with {@code what}. */
  void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; browser problems: " + problems);
      }
      Thread.sleep(50);
    }
  }

  void screenshot(Path file) throws Exception {
    JsonNode shot = send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true));
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
  }

  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  List<String> problems() {
    return List.copyOf(problems);
  }

  @Override
  public void close() throws Exception {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      // The browser is stopped below either way.
    }
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    deleteProfile(profile);
  }

  /**
   * Deletes the profile directory. The browser's helper processes may still write into it for a
   * moment after the browser has stopped, so a walk that leaves something behind is tried again.
   */
  private static void deleteProfile(Path profile) throws IOException, InterruptedException {
    for (int attempt = 0; attempt < 5 && Files.exists(profile); attempt++) {
      if (attempt > 0) {
        Thread.sleep(200);
      }
      try (var files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (UncheckedIOException | NoSuchFileException e) {
        // a file vanished during the walk: walk again
      }
    }
  }

  private void onMessage(JsonNode message) {
    if (message.has("id")) {
      CompletableFuture<JsonNode> answer = pending.remove(message.get("id").asInt());
      if (answer != null) {
        answer.complete(message);
      }
      return;
    }
    String method = message.path("method").asText();
    JsonNode params = message.path("params");
    if (method.equals("Runtime.exceptionThrown")) {
      problems.add("exception: " + params.path("exceptionDetails").path("exception").path("description").asText(
          params.path("exceptionDetails").path("text").asText()));
    } else if (method.equals("Runtime.consoleAPICalled") && params.path("type").asText().equals("error")) {
      problems.add("console.error: " + params.path("args"));
    } else if (method.equals("Log.entryAdded") && params.path("entry").path("level").asText().equals("error")) {
      problems.add("log: " + params.path("entry").path("text").asText() + " " + params.path("entry").path("url").asText());
    }
  }

  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    volatile HeadlessChromium owner;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          HeadlessChromium current = owner;
          if (current != null) {
            current.onMessage(JSON.readTree(text));
          }
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
      webSocket.request(1);
      return null;
    }
  }
}
