package dev.tollgate.fake;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Anthropic Messages API: messages (JSON and SSE with mandatory {@code event:} lines),
 * token counting and models, with Anthropic's error shape {@code
 * {"type":"error","error":{"type","message"},"request_id"}}, the {@code request-id} header and
 * {@code anthropic-ratelimit-*} headers. Usage follows Anthropic's convention: {@code
 * input_tokens} excludes cache reads and writes.
 *
 * <p>Stateless and thread-safe.
 */
final class AnthropicProtocol implements Protocol {

  private static final String MESSAGES = "/v1/messages";
  private static final String COUNT_TOKENS = "/v1/messages/count_tokens";
  private static final String MODELS = "/v1/models";
  private static final long LIMIT_REQUESTS = 4_000;
  private static final long LIMIT_TOKENS = 2_000_000;

  @Override
  public boolean claims(Exchange exchange) {
    return exchange.path().startsWith(MESSAGES)
        || exchange.header("anthropic-version") != null
        || exchange.header("x-api-key") != null;
  }

  @Override
  public void rejectControls(Exchange exchange, String message) {
    error(exchange, 400, "invalid_request_error", message);
  }

  @Override
  public void serve(Exchange ex) {
    if (isBlank(ex.header("x-api-key")) && isBlank(ex.header("authorization"))) {
      error(ex, 401, "authentication_error", "x-api-key header is required");
      return;
    }
    if (isBlank(ex.header("anthropic-version"))) {
      error(ex, 400, "invalid_request_error", "anthropic-version: header is required");
      return;
    }
    String method = ex.method();
    String path = ex.path();
    if (method.equals("GET") && path.equals(MODELS)) {
      if (!statusControlled(ex)) {
        listModels(ex);
      }
      return;
    }
    if (method.equals("GET") && path.startsWith(MODELS + "/") && path.length() > MODELS.length() + 1) {
      if (!statusControlled(ex)) {
        getModel(ex, QueryStringDecoder.decodeComponent(path.substring(MODELS.length() + 1)));
      }
      return;
    }
    if (!method.equals("POST") || !(path.equals(MESSAGES) || path.equals(COUNT_TOKENS))) {
      error(ex, 404, "not_found_error", "Not found");
      return;
    }
    if (statusControlled(ex)) {
      return;
    }
    Optional<ObjectNode> parsed = Json.parseObject(ex.body());
    if (parsed.isEmpty()) {
      error(ex, 400, "invalid_request_error",
          "There was an issue with the request body: the body must be a valid JSON object.");
      return;
    }
    ObjectNode body = parsed.get();
    String missing = Json.text(body, "model") == null ? "model"
        : !body.path("messages").isArray() ? "messages"
        : path.equals(MESSAGES) && !body.path("max_tokens").canConvertToLong() ? "max_tokens"
        : null;
    if (missing != null) {
      error(ex, 400, "invalid_request_error", missing + ": Field required");
      return;
    }
    Usage usage;
    try {
      usage = Usage.resolve(ex.controls().usage(), ex.body().length, ex.controls().chunks());
    } catch (IllegalArgumentException e) {
      rejectControls(ex, e.getMessage());
      return;
    }
    if (path.equals(COUNT_TOKENS)) {
      ObjectNode count = Json.object();
      count.put("input_tokens", usage.input());
      ex.respondJson(HttpResponseStatus.OK, headers(ex, false), count);
    } else {
      messages(ex, body, Json.text(body, "model"), usage);
    }
  }

  private void messages(Exchange ex, ObjectNode body, String model, Usage usage) {
    Controls controls = ex.controls();
    String id = "msg_01" + Ids.alnum(22);
    String answered = ModelCatalog.answeredModel(ModelCatalog.ANTHROPIC, model);
    List<String> pieces = Content.pieces(controls.chunks());
    HttpHeaders headers = headers(ex, false);
    if (!body.path("stream").asBoolean(false)) {
      if (controls.failure() == Controls.Failure.DISCONNECT) {
        ex.disconnect();
        return;
      }
      ObjectNode message = message(id, answered);
      message.putArray("content").addObject().put("type", "text").put("text", String.join("", pieces));
      message.put("stop_reason", "end_turn");
      message.putNull("stop_sequence");
      message.set("usage", usage(usage, usage.output()));
      ex.respondJson(HttpResponseStatus.OK, headers, message);
      return;
    }

    List<String> frames = new ArrayList<>();
    ObjectNode start = message(id, answered);
    start.putArray("content");
    start.putNull("stop_reason");
    start.putNull("stop_sequence");
    // The real API sends a placeholder output count here; the final count is in message_delta.
    start.set("usage", usage(usage, 1));
    frames.add(event("message_start", Json.object().put("type", "message_start").set("message", start)));
    ObjectNode blockStart = Json.object().put("type", "content_block_start").put("index", 0);
    blockStart.putObject("content_block").put("type", "text").put("text", "");
    frames.add(event("content_block_start", blockStart));
    frames.add(event("ping", Json.object().put("type", "ping")));
    boolean failMidStream = controls.failure() == Controls.Failure.MID_STREAM_ERROR;
    for (String piece : failMidStream ? pieces.subList(0, Content.failAfter(pieces.size())) : pieces) {
      ObjectNode delta = Json.object().put("type", "content_block_delta").put("index", 0);
      delta.putObject("delta").put("type", "text_delta").put("text", piece);
      frames.add(event("content_block_delta", delta));
    }
    if (failMidStream) {
      ObjectNode error = Json.object().put("type", "error");
      error.putObject("error").put("type", "overloaded_error").put("message", "Overloaded");
      frames.add(event("error", error));
      ex.respondStream(headers, frames, Exchange.StreamEnd.COMPLETE);
      return;
    }
    frames.add(event("content_block_stop", Json.object().put("type", "content_block_stop").put("index", 0)));
    if (controls.failure() == Controls.Failure.DISCONNECT) {
      ex.respondStream(headers, frames, Exchange.StreamEnd.DISCONNECT);
      return;
    }
    ObjectNode messageDelta = Json.object().put("type", "message_delta");
    messageDelta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
    // Cumulative counts, as the real API sends them: a reader must overwrite, never add.
    ObjectNode deltaUsage = messageDelta.putObject("usage");
    deltaUsage.put("input_tokens", usage.uncachedInput());
    deltaUsage.put("cache_creation_input_tokens", usage.cacheWrite());
    deltaUsage.put("cache_read_input_tokens", usage.cached());
    deltaUsage.put("output_tokens", usage.output());
    frames.add(event("message_delta", messageDelta));
    frames.add(event("message_stop", Json.object().put("type", "message_stop")));
    ex.respondStream(headers, frames, Exchange.StreamEnd.COMPLETE);
  }

  private static ObjectNode message(String id, String model) {
    return Json.object()
        .put("id", id)
        .put("type", "message")
        .put("role", "assistant")
        .put("model", model);
  }

  private static ObjectNode usage(Usage usage, long outputTokens) {
    ObjectNode node = Json.object();
    node.put("input_tokens", usage.uncachedInput());
    node.put("cache_creation_input_tokens", usage.cacheWrite());
    node.put("cache_read_input_tokens", usage.cached());
    ObjectNode creation = node.putObject("cache_creation");
    creation.put("ephemeral_5m_input_tokens", usage.cacheWrite5m());
    creation.put("ephemeral_1h_input_tokens", usage.cacheWrite1h());
    node.put("output_tokens", outputTokens);
    node.put("service_tier", "standard");
    return node;
  }

  private static String event(String name, ObjectNode data) {
    return "event: " + name + "\ndata: " + Json.write(data) + "\n\n";
  }

  // ---- Models ----

  private void listModels(Exchange ex) {
    ObjectNode response = Json.object();
    ArrayNode data = response.putArray("data");
    for (ModelCatalog.Model model : ModelCatalog.ANTHROPIC) {
      data.add(modelObject(model.snapshot(), model));
    }
    response.put("has_more", false);
    response.put("first_id", ModelCatalog.ANTHROPIC.get(0).snapshot());
    response.put("last_id", ModelCatalog.ANTHROPIC.get(ModelCatalog.ANTHROPIC.size() - 1).snapshot());
    ex.respondJson(HttpResponseStatus.OK, headers(ex, false), response);
  }

  private void getModel(Exchange ex, String id) {
    Optional<ModelCatalog.Model> model = ModelCatalog.find(ModelCatalog.ANTHROPIC, id);
    if (model.isEmpty()) {
      error(ex, 404, "not_found_error", "model: " + id);
      return;
    }
    ex.respondJson(HttpResponseStatus.OK, headers(ex, false), modelObject(model.get().snapshot(), model.get()));
  }

  private static ObjectNode modelObject(String id, ModelCatalog.Model model) {
    return Json.object()
        .put("type", "model")
        .put("id", id)
        .put("display_name", model.displayName())
        .put("created_at", Instant.ofEpochSecond(model.created()).toString());
  }

  // ---- Errors and headers ----

  private boolean statusControlled(Exchange ex) {
    int status = ex.controls().status();
    if (status == 0) {
      return false;
    }
    switch (status) {
      case 400 -> error(ex, status, "invalid_request_error", "Invalid request.");
      case 401 -> error(ex, status, "authentication_error", "invalid x-api-key");
      case 402 -> error(ex, status, "billing_error", "Your credit balance is too low to access the Anthropic API.");
      case 403 -> error(ex, status, "permission_error", "Your API key does not have permission to use the specified resource.");
      case 404 -> error(ex, status, "not_found_error", "The requested resource could not be found.");
      case 413 -> error(ex, status, "request_too_large", "Request exceeds the maximum allowed number of bytes.");
      case 429 -> error(ex, status, "rate_limit_error",
          "This request would exceed the rate limit for your organization of " + LIMIT_REQUESTS + " requests per minute.");
      case 500 -> error(ex, status, "api_error", "Internal server error");
      case 504 -> error(ex, status, "timeout_error", "Request timed out");
      case 529 -> error(ex, status, "overloaded_error", "Overloaded");
      default -> error(ex, status, status >= 500 ? "api_error" : "invalid_request_error",
          "The fake provider was asked to fail with status " + status + ".");
    }
    return true;
  }

  private void error(Exchange ex, int status, String type, String message) {
    HttpHeaders headers = headers(ex, status == 429);
    if (status == 429 || status >= 500) {
      long retryMs = ex.controls().retryAfterMs();
      headers.set("retry-after", Long.toString((retryMs + 999) / 1000));
      headers.set("retry-after-ms", Long.toString(retryMs));
      headers.set("x-should-retry", "true");
    }
    ObjectNode body = Json.object().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    body.put("request_id", headers.get("request-id"));
    ex.respondJson(HttpResponseStatus.valueOf(status), headers, body);
  }

  private static HttpHeaders headers(Exchange ex, boolean limited) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("request-id", "req_011C" + Ids.alnum(20));
    String reset = Instant.now().plusMillis(limited ? ex.controls().retryAfterMs() : 1000)
        .truncatedTo(ChronoUnit.SECONDS).toString();
    for (String kind : new String[] {"requests", "tokens", "input-tokens", "output-tokens"}) {
      long limit = kind.equals("requests") ? LIMIT_REQUESTS : LIMIT_TOKENS;
      headers.set("anthropic-ratelimit-" + kind + "-limit", Long.toString(limit));
      headers.set("anthropic-ratelimit-" + kind + "-remaining", Long.toString(limited ? 0 : limit - 1));
      headers.set("anthropic-ratelimit-" + kind + "-reset", reset);
    }
    return headers;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
