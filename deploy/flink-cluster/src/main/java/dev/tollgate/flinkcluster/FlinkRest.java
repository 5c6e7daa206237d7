package dev.tollgate.flinkcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The parts of Flink's REST API the launcher and its tests use: upload and run a jar (what
 * {@code flink run} and the web UI do), read the job's state, checkpoints and restarts, cancel it.
 *
 * <p>Thread-safe: {@link HttpClient} is and nothing else is mutable.
 */
public final class FlinkRest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public FlinkRest(URI base) {
    this.base = Objects.requireNonNull(base, "base");
  }

  public URI base() {
    return base;
  }

  /** GET {@code path} (e.g. {@code /overview}) as JSON; throws on a non-2xx answer. */
  public JsonNode get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  /** Uploads {@code jar} ({@code POST /jars/upload}); returns the jar id {@code /jars/{id}/run} takes. */
  public String uploadJar(Path jar) throws IOException, InterruptedException {
    String boundary = "tollgate-" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
        + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    JsonNode answer = send(HttpRequest.newBuilder(base.resolve("/jars/upload"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    String stored = answer.path("filename").asText("");
    if (!"success".equals(answer.path("status").asText()) || stored.isEmpty()) {
      throw new IOException("jar upload failed: " + answer);
    }
    return Path.of(stored).getFileName().toString();
  }

  /**
   * Runs an uploaded jar ({@code POST /jars/{id}/run}): the JobManager calls {@code entryClass}'s
   * main with {@code args}, as {@code flink run -d -p parallelism} would. Returns the job id.
   */
  public String runJar(String jarId, String entryClass, List<String> args, int parallelism)
      throws IOException, InterruptedException {
    ObjectNode request = JSON.createObjectNode();
    request.put("entryClass", entryClass);
    request.set("programArgsList", JSON.valueToTree(args));
    request.put("parallelism", parallelism);
    JsonNode answer = send(HttpRequest.newBuilder(base.resolve("/jars/" + jarId + "/run"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))));
    String jobId = answer.path("jobid").asText("");
    if (jobId.isEmpty()) {
      throw new IOException("jar run failed: " + answer);
    }
    return jobId;
  }

  /** The job's state: CREATED, RUNNING, RESTARTING, FAILED, ... */
  public String jobState(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId).path("state").asText();
  }

  /** True when the job is RUNNING and every one of its tasks is too (not only scheduled). */
  public boolean allTasksRunning(String jobId) throws IOException, InterruptedException {
    JsonNode job = get("/jobs/" + jobId);
    if (!"RUNNING".equals(job.path("state").asText())) {
      return false;
    }
    for (JsonNode vertex : job.path("vertices")) {
      if (!"RUNNING".equals(vertex.path("status").asText())) {
        return false;
      }
    }
    return job.path("vertices").size() > 0;
  }

  public long completedCheckpoints(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
  }

  /** How often the job has restarted (metric {@code numRestarts}). */
  public long restarts(String jobId) throws IOException, InterruptedException {
    for (JsonNode metric : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
      if ("numRestarts".equals(metric.path("id").asText())) {
        return Long.parseLong(metric.path("value").asText("0"));
      }
    }
    return 0;
  }

  /** Failures the job has recovered from or died of (its exception history). */
  public int failures(String jobId) throws IOException, InterruptedException {
    return get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries").size();
  }

  /** TaskManagers registered with the JobManager. */
  public int taskManagers() throws IOException, InterruptedException {
    return get("/taskmanagers").path("taskmanagers").size();
  }

  public void cancel(String jobId) throws IOException, InterruptedException {
    send(HttpRequest.newBuilder(base.resolve("/jobs/" + jobId + "?mode=cancel"))
        .method("PATCH", HttpRequest.BodyPublishers.noBody()));
  }

  private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException(response.request().method() + " " + response.uri().getPath() + ": HTTP "
          + response.statusCode() + " " + response.body());
    }
    return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
  }
}
