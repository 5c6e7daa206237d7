package dev.tollgate.fake;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Azure OpenAI chat completions, as a resource's endpoint serves them: the classic deployment URL
 * {@code /openai/deployments/{d}/chat/completions?api-version=…} and the v1 URL {@code
 * /openai/v1/chat/completions} (the body's {@code model} is the deployment). Azure's differences
 * from OpenAI are what this class fakes: {@code api-key} auth, the response {@code model} is the
 * deployment's underlying model (never the deployment name), content-filter annotations
 * ({@code prompt_filter_results}, {@code choices[].content_filter_results}), a stream whose first
 * chunk has empty {@code choices}, {@code id} and {@code model} and no usage, and errors whose
 * {@code code} is a string without a {@code type}.
 *
 * <p>Stateless and thread-safe.
 */
final class AzureProtocol implements Protocol {

  private static final String PREFIX = "/openai/";
  private static final String DEPLOYMENTS = "/openai/deployments/";
  private static final String V1_CHAT = "/openai/v1/chat/completions";
  /** The underlying model of a deployment whose name contains no known model alias. */
  static final String DEFAULT_MODEL = "gpt-4o-2024-08-06";

  @Override
  public boolean claims(Exchange exchange) {
    return exchange.path().startsWith(PREFIX);
  }

  @Override
  public void rejectControls(Exchange exchange, String message) {
    error(exchange, 400, "400", message);
  }

  @Override
  public void serve(Exchange ex) {
    String auth = ex.header("authorization");
    if (isBlank(ex.header("api-key")) && (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7))) {
      error(ex, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide"
          + " a valid key for an active subscription and use a correct regional API endpoint for your resource.");
      return;
    }
    String path = ex.path();
    String deployment = null;
    if (path.startsWith(DEPLOYMENTS) && path.endsWith("/chat/completions")) {
      deployment = path.substring(DEPLOYMENTS.length(), path.length() - "/chat/completions".length());
      List<String> version = new QueryStringDecoder(ex.uri()).parameters().get("api-version");
      if (version == null || version.get(0).isBlank()) {
        error(ex, 404, "404", "Resource not found");
        return;
      }
    } else if (!path.equals(V1_CHAT)) {
      error(ex, 404, "404", "Resource not found");
      return;
    }
    if (!ex.method().equals("POST") || (deployment != null && (deployment.isEmpty() || deployment.contains("/")))) {
      error(ex, 404, "404", "Resource not found");
      return;
    }
    if (statusControlled(ex)) {
      return;
    }
    Optional<ObjectNode> parsed = Json.parseObject(ex.body());
    if (parsed.isEmpty() || !parsed.get().path("messages").isArray()) {
      error(ex, 400, "BadRequest", "'messages' is a required property");
      return;
    }
    ObjectNode body = parsed.get();
    if (deployment == null) {
      deployment = Json.text(body, "model");
      if (deployment == null) {
        error(ex, 400, "BadRequest", "model is required: the deployment name");
        return;
      }
    }
    Usage usage;
    try {
      usage = Usage.resolve(ex.controls().usage(), ex.body().length, ex.controls().chunks());
    } catch (IllegalArgumentException e) {
      rejectControls(ex, e.getMessage());
      return;
    }
    chat(ex, body, underlyingModel(deployment), usage);
  }

  /** The model a deployment runs: the snapshot of the longest known alias in its name, else {@link #DEFAULT_MODEL}. */
  static String underlyingModel(String deployment) {
    ModelCatalog.Model best = null;
    for (ModelCatalog.Model model : ModelCatalog.OPENAI) {
      if (deployment.contains(model.id()) && (best == null || model.id().length() > best.id().length())) {
        best = model;
      }
    }
    return best == null ? DEFAULT_MODEL : best.snapshot();
  }

  private void chat(Exchange ex, ObjectNode body, String model, Usage usage) {
    Controls controls = ex.controls();
    String id = "chatcmpl-" + Ids.alnum(29);
    long created = System.currentTimeMillis() / 1000;
    if (!body.path("stream").asBoolean(false)) {
      if (controls.failure() == Controls.Failure.DISCONNECT) {
        ex.disconnect();
        return;
      }
      ObjectNode response = envelope(id, created, model, "chat.completion");
      ObjectNode choice = response.putArray("choices").addObject();
      choice.set("content_filter_results", contentFilterResults());
      choice.put("finish_reason", "stop");
      choice.put("index", 0);
      choice.putNull("logprobs");
      ObjectNode message = choice.putObject("message");
      message.putArray("annotations");
      message.put("content", Content.text(controls.chunks()));
      message.putNull("refusal");
      message.put("role", "assistant");
      response.set("prompt_filter_results", promptFilterResults());
      response.set("usage", OpenAiProtocol.completionUsage(usage));
      ex.respondJson(HttpResponseStatus.OK, headers(false), response);
      return;
    }
    boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
    List<String> frames = new ArrayList<>();
    // The observed first chunk: the prompt's filter results, with empty choices, id and model and no usage.
    ObjectNode first = Json.object();
    first.putArray("choices");
    first.put("created", 0);
    first.put("id", "");
    first.put("model", "");
    first.put("object", "");
    first.set("prompt_filter_results", promptFilterResults());
    frames.add(data(first));
    frames.add(data(chunk(id, created, model, Json.object().put("role", "assistant").put("content", ""), null, includeUsage)));
    for (String piece : Content.pieces(controls.chunks())) {
      frames.add(data(chunk(id, created, model, Json.object().put("content", piece), null, includeUsage)));
    }
    frames.add(data(chunk(id, created, model, Json.object(), "stop", includeUsage)));
    if (controls.failure() == Controls.Failure.DISCONNECT) {
      ex.respondStream(headers(false), frames, Exchange.StreamEnd.DISCONNECT);
      return;
    }
    if (includeUsage) {
      ObjectNode last = envelope(id, created, model, "chat.completion.chunk");
      last.putArray("choices");
      last.set("usage", OpenAiProtocol.completionUsage(usage));
      frames.add(data(last));
    }
    frames.add("data: [DONE]\n\n");
    ex.respondStream(headers(false), frames, Exchange.StreamEnd.COMPLETE);
  }

  private static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String finishReason,
                                  boolean includeUsage) {
    ObjectNode chunk = envelope(id, created, model, "chat.completion.chunk");
    ObjectNode choice = chunk.putArray("choices").addObject();
    choice.set("content_filter_results", finishReason == null && delta.has("content") && !delta.has("role")
        ? contentFilterResults() : Json.object());
    choice.set("delta", delta);
    choice.put("finish_reason", finishReason);
    choice.put("index", 0);
    choice.putNull("logprobs");
    if (includeUsage) {
      chunk.putNull("usage");
    }
    return chunk;
  }

  private static ObjectNode envelope(String id, long created, String model, String object) {
    ObjectNode node = Json.object();
    node.put("id", id);
    node.put("object", object);
    node.put("created", created);
    node.put("model", model);
    node.put("system_fingerprint", "fp_" + Ids.hex(10));
    return node;
  }

  private static ArrayNode promptFilterResults() {
    ArrayNode results = Json.array();
    ObjectNode result = results.addObject();
    result.put("prompt_index", 0);
    ObjectNode filters = contentFilterResults();
    filters.putObject("jailbreak").put("filtered", false).put("detected", false);
    result.set("content_filter_results", filters);
    return results;
  }

  private static ObjectNode contentFilterResults() {
    ObjectNode filters = Json.object();
    for (String category : new String[] {"hate", "self_harm", "sexual", "violence"}) {
      filters.putObject(category).put("filtered", false).put("severity", "safe");
    }
    return filters;
  }

  private boolean statusControlled(Exchange ex) {
    int status = ex.controls().status();
    if (status == 0) {
      return false;
    }
    long seconds = (ex.controls().retryAfterMs() + 999) / 1000;
    String message = status == 429
        ? "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded"
            + " token rate limit of your current OpenAI S0 pricing tier. Please retry after " + seconds + " seconds."
        : "The fake provider was asked to fail with status " + status + ".";
    error(ex, status, Integer.toString(status), message);
    return true;
  }

  /** Azure's error body: {@code code} is a string and there is no {@code type}. */
  private void error(Exchange ex, int status, String code, String message) {
    HttpHeaders headers = headers(status == 429);
    if (status == 429 || status >= 500) {
      long ms = ex.controls().retryAfterMs();
      headers.set("retry-after", Long.toString((ms + 999) / 1000));
      headers.set("retry-after-ms", Long.toString(ms));
    }
    ObjectNode body = Json.object();
    body.putObject("error").put("code", code).put("message", message);
    ex.respondJson(HttpResponseStatus.valueOf(status), headers, body);
  }

  private static HttpHeaders headers(boolean limited) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("apim-request-id", java.util.UUID.randomUUID().toString());
    headers.set("x-ms-region", "East US");
    headers.set("x-ratelimit-remaining-requests", limited ? "0" : "999");
    headers.set("x-ratelimit-remaining-tokens", limited ? "0" : "999000");
    return headers;
  }

  private static String data(ObjectNode json) {
    return "data: " + Json.write(json) + "\n\n";
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
