package dev.tollgate.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The OpenAI API: Chat Completions, Responses, embeddings and models, with OpenAI's error shape
 * {@code {"error":{"message","type","param","code"}}} and its {@code x-request-id}, {@code
 * openai-processing-ms} and {@code x-ratelimit-*} headers. The fallback protocol: it claims every
 * request no other protocol claimed.
 *
 * <p>Stateless and thread-safe.
 */
final class OpenAiProtocol implements Protocol {

  private static final String CHAT = "/v1/chat/completions";
  private static final String RESPONSES = "/v1/responses";
  private static final String EMBEDDINGS = "/v1/embeddings";
  private static final String MODELS = "/v1/models";
  private static final long LIMIT_REQUESTS = 10_000;
  private static final long LIMIT_TOKENS = 30_000_000;

  @Override
  public boolean claims(Exchange exchange) {
    return true;
  }

  @Override
  public void rejectControls(Exchange exchange, String message) {
    error(exchange, 400, message, "invalid_request_error", null, null);
  }

  @Override
  public void serve(Exchange ex) {
    String auth = ex.header("authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.substring(7).isBlank()) {
      error(ex, 401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using"
              + " Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          "invalid_request_error", null, null);
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
    boolean post = method.equals("POST");
    if (!post || !(path.equals(CHAT) || path.equals(RESPONSES) || path.equals(EMBEDDINGS))) {
      error(ex, 404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", null, null);
      return;
    }
    if (statusControlled(ex)) {
      return;
    }
    Optional<ObjectNode> parsed = Json.parseObject(ex.body());
    if (parsed.isEmpty()) {
      error(ex, 400,
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP"
              + " library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
          "invalid_request_error", null, null);
      return;
    }
    ObjectNode body = parsed.get();
    String model = Json.text(body, "model");
    if (model == null) {
      error(ex, 400, "you must provide a model parameter", "invalid_request_error", null, null);
      return;
    }
    Usage usage;
    try {
      usage = Usage.resolve(ex.controls().usage(), ex.body().length, ex.controls().chunks());
    } catch (IllegalArgumentException e) {
      rejectControls(ex, e.getMessage());
      return;
    }
    switch (path) {
      case CHAT -> chat(ex, body, model, usage);
      case RESPONSES -> responses(ex, body, model, usage);
      default -> embeddings(ex, body, model, usage);
    }
  }

  // ---- Chat Completions ----

  private void chat(Exchange ex, ObjectNode body, String model, Usage usage) {
    if (!body.path("messages").isArray()) {
      error(ex, 400, "Missing required parameter: 'messages'.", "invalid_request_error", "messages",
          "missing_required_parameter");
      return;
    }
    Controls controls = ex.controls();
    String id = "chatcmpl-" + Ids.alnum(29);
    long created = System.currentTimeMillis() / 1000;
    String answered = ModelCatalog.answeredModel(ModelCatalog.OPENAI, model);
    String fingerprint = "fp_" + Ids.hex(10);
    if (!body.path("stream").asBoolean(false)) {
      if (controls.failure() == Controls.Failure.DISCONNECT) {
        ex.disconnect();
        return;
      }
      ObjectNode response = Json.object();
      response.put("id", id);
      response.put("object", "chat.completion");
      response.put("created", created);
      response.put("model", answered);
      ObjectNode choice = response.putArray("choices").addObject();
      choice.put("index", 0);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      message.put("content", Content.text(controls.chunks()));
      message.putNull("refusal");
      message.putArray("annotations");
      choice.putNull("logprobs");
      choice.put("finish_reason", "stop");
      response.set("usage", completionUsage(usage));
      response.put("service_tier", "default");
      response.put("system_fingerprint", fingerprint);
      ex.respondJson(HttpResponseStatus.OK, headers(ex, usage.input(), false), response);
      return;
    }

    JsonNode streamOptions = body.path("stream_options");
    boolean includeUsage = streamOptions.path("include_usage").asBoolean(false);
    boolean obfuscate = streamOptions.path("include_obfuscation").asBoolean(true);
    ChunkFactory chunks = new ChunkFactory(id, created, answered, fingerprint, includeUsage, obfuscate);
    List<String> frames = new ArrayList<>();
    ObjectNode roleDelta = Json.object();
    roleDelta.put("role", "assistant");
    roleDelta.put("content", "");
    frames.add(data(chunks.delta(roleDelta, null, true)));
    List<String> pieces = Content.pieces(controls.chunks());
    boolean failMidStream = controls.failure() == Controls.Failure.MID_STREAM_ERROR;
    for (String piece : failMidStream ? pieces.subList(0, Content.failAfter(pieces.size())) : pieces) {
      ObjectNode delta = Json.object();
      delta.put("content", piece);
      frames.add(data(chunks.delta(delta, null, true)));
    }
    if (failMidStream) {
      ObjectNode error = Json.object();
      error.set("error", errorObject(
          "The server had an error while processing your request. Sorry about that!", "server_error", null, null));
      frames.add(data(error));
      ex.respondStream(headers(ex, usage.input(), false), frames, Exchange.StreamEnd.COMPLETE);
      return;
    }
    frames.add(data(chunks.delta(Json.object(), "stop", false)));
    if (controls.failure() == Controls.Failure.DISCONNECT) {
      ex.respondStream(headers(ex, usage.input(), false), frames, Exchange.StreamEnd.DISCONNECT);
      return;
    }
    if (includeUsage) {
      frames.add(data(chunks.usage(completionUsage(usage))));
    }
    frames.add("data: [DONE]\n\n");
    ex.respondStream(headers(ex, usage.input(), false), frames, Exchange.StreamEnd.COMPLETE);
  }

  /** Builds {@code chat.completion.chunk} objects that share one id, created time and model. */
  private record ChunkFactory(
      String id, long created, String model, String fingerprint, boolean includeUsage, boolean obfuscate) {

    ObjectNode delta(ObjectNode delta, String finishReason, boolean content) {
      ObjectNode chunk = envelope();
      ObjectNode choice = chunk.putArray("choices").addObject();
      choice.put("index", 0);
      choice.set("delta", delta);
      choice.putNull("logprobs");
      choice.put("finish_reason", finishReason);
      if (includeUsage) {
        chunk.putNull("usage");
      }
      // Padding so chunk sizes do not reveal the token lengths; the spec shows it on content chunks.
      if (obfuscate && content) {
        chunk.put("obfuscation", Ids.alnum(2 + ThreadLocalRandom.current().nextInt(12)));
      }
      return chunk;
    }

    ObjectNode usage(ObjectNode usage) {
      ObjectNode chunk = envelope();
      chunk.putArray("choices");
      chunk.set("usage", usage);
      return chunk;
    }

    private ObjectNode envelope() {
      ObjectNode chunk = Json.object();
      chunk.put("id", id);
      chunk.put("object", "chat.completion.chunk");
      chunk.put("created", created);
      chunk.put("model", model);
      chunk.put("service_tier", "default");
      chunk.put("system_fingerprint", fingerprint);
      return chunk;
    }
  }

  static ObjectNode completionUsage(Usage usage) {
    ObjectNode node = Json.object();
    node.put("prompt_tokens", usage.input());
    node.put("completion_tokens", usage.output());
    node.put("total_tokens", usage.input() + usage.output());
    ObjectNode prompt = node.putObject("prompt_tokens_details");
    prompt.put("cached_tokens", usage.cached());
    prompt.put("audio_tokens", 0);
    if (usage.cacheWrite() > 0) {
      prompt.put("cache_write_tokens", usage.cacheWrite());
    }
    ObjectNode completion = node.putObject("completion_tokens_details");
    completion.put("reasoning_tokens", usage.reasoning());
    completion.put("audio_tokens", 0);
    completion.put("accepted_prediction_tokens", 0);
    completion.put("rejected_prediction_tokens", 0);
    return node;
  }

  // ---- Responses ----

  private void responses(Exchange ex, ObjectNode body, String model, Usage usage) {
    Controls controls = ex.controls();
    String responseId = "resp_" + Ids.hex(48);
    String itemId = "msg_" + Ids.hex(48);
    long created = System.currentTimeMillis() / 1000;
    String answered = ModelCatalog.answeredModel(ModelCatalog.OPENAI, model);
    List<String> pieces = Content.pieces(controls.chunks());
    String text = String.join("", pieces);
    HttpHeaders headers = headers(ex, usage.input(), false);
    if (!body.path("stream").asBoolean(false)) {
      if (controls.failure() == Controls.Failure.DISCONNECT) {
        ex.disconnect();
        return;
      }
      ArrayNode output = Json.array().add(messageItem(itemId, "completed", text));
      ex.respondJson(HttpResponseStatus.OK, headers,
          responseObject(body, responseId, created, answered, "completed", output, responseUsage(usage)));
      return;
    }

    ResponseEvents events = new ResponseEvents();
    events.add("response.created")
        .set("response", responseObject(body, responseId, created, answered, "in_progress", Json.array(), null));
    events.add("response.in_progress")
        .set("response", responseObject(body, responseId, created, answered, "in_progress", Json.array(), null));
    ObjectNode added = events.add("response.output_item.added");
    added.put("output_index", 0);
    added.set("item", messageItem(itemId, "in_progress", null));
    events.addForPart("response.content_part.added", itemId).set("part", outputText(""));
    boolean failMidStream = controls.failure() == Controls.Failure.MID_STREAM_ERROR;
    for (String piece : failMidStream ? pieces.subList(0, Content.failAfter(pieces.size())) : pieces) {
      ObjectNode delta = events.addForPart("response.output_text.delta", itemId);
      delta.put("delta", piece);
      delta.putArray("logprobs");
    }
    if (failMidStream) {
      events.error("server_error", "The server had an error while processing your request. Sorry about that!");
      ex.respondStream(headers, events.frames(), Exchange.StreamEnd.COMPLETE);
      return;
    }
    ObjectNode textDone = events.addForPart("response.output_text.done", itemId);
    textDone.put("text", text);
    textDone.putArray("logprobs");
    events.addForPart("response.content_part.done", itemId).set("part", outputText(text));
    ObjectNode itemDone = events.add("response.output_item.done");
    itemDone.put("output_index", 0);
    itemDone.set("item", messageItem(itemId, "completed", text));
    if (controls.failure() == Controls.Failure.DISCONNECT) {
      ex.respondStream(headers, events.frames(), Exchange.StreamEnd.DISCONNECT);
      return;
    }
    ArrayNode output = Json.array().add(messageItem(itemId, "completed", text));
    events.add("response.completed").set("response",
        responseObject(body, responseId, created, answered, "completed", output, responseUsage(usage)));
    ex.respondStream(headers, events.frames(), Exchange.StreamEnd.COMPLETE);
  }

  /**
   * Responses stream events, each an {@code event:} line and a {@code data:} line, with {@code
   * sequence_number} counting from 0. Events are rendered at the end, so fields added after
   * {@link #add} are included.
   */
  private static final class ResponseEvents {
    private final List<ObjectNode> events = new ArrayList<>();

    ObjectNode add(String type) {
      ObjectNode event = Json.object();
      event.put("type", type);
      event.put("sequence_number", events.size());
      events.add(event);
      return event;
    }

    ObjectNode addForPart(String type, String itemId) {
      ObjectNode event = add(type);
      event.put("item_id", itemId);
      event.put("output_index", 0);
      event.put("content_index", 0);
      return event;
    }

    /** The {@code error} event: {"type":"error","code","message","param","sequence_number"}. */
    void error(String code, String message) {
      ObjectNode event = Json.object();
      event.put("type", "error");
      event.put("code", code);
      event.put("message", message);
      event.putNull("param");
      event.put("sequence_number", events.size());
      events.add(event);
    }

    List<String> frames() {
      List<String> frames = new ArrayList<>(events.size());
      for (ObjectNode event : events) {
        frames.add("event: " + event.get("type").asText() + "\ndata: " + Json.write(event) + "\n\n");
      }
      return frames;
    }
  }

  private static ObjectNode responseObject(
      ObjectNode request, String id, long created, String model, String status, ArrayNode output, ObjectNode usage) {
    ObjectNode response = Json.object();
    response.put("id", id);
    response.put("object", "response");
    response.put("created_at", created);
    response.put("status", status);
    response.put("background", request.path("background").asBoolean(false));
    response.putNull("error");
    response.putNull("incomplete_details");
    echo(response, request, "instructions", null);
    echo(response, request, "max_output_tokens", null);
    response.put("model", model);
    response.set("output", output);
    response.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    echo(response, request, "previous_response_id", null);
    ObjectNode reasoning = response.putObject("reasoning");
    reasoning.putNull("effort");
    reasoning.putNull("summary");
    response.put("service_tier", "default");
    response.put("store", request.path("store").asBoolean(true));
    echo(response, request, "temperature", Json.MAPPER.getNodeFactory().numberNode(1.0));
    response.putObject("text").putObject("format").put("type", "text");
    echo(response, request, "tool_choice", Json.MAPPER.getNodeFactory().textNode("auto"));
    echo(response, request, "tools", Json.array());
    echo(response, request, "top_p", Json.MAPPER.getNodeFactory().numberNode(1.0));
    response.put("truncation", "disabled");
    response.set("usage", usage == null ? Json.MAPPER.getNodeFactory().nullNode() : usage);
    response.putNull("user");
    echo(response, request, "metadata", Json.object());
    return response;
  }

  /** Copies a request field into the response, as the API echoes its settings; def (or null) when absent. */
  private static void echo(ObjectNode response, ObjectNode request, String field, JsonNode def) {
    JsonNode value = request.get(field);
    if (value != null && !value.isNull()) {
      response.set(field, value.deepCopy());
    } else if (def != null) {
      response.set(field, def);
    } else {
      response.putNull(field);
    }
  }

  private static ObjectNode messageItem(String id, String status, String text) {
    ObjectNode item = Json.object();
    item.put("id", id);
    item.put("type", "message");
    item.put("status", status);
    ArrayNode content = item.putArray("content");
    if (text != null) {
      content.add(outputText(text));
    }
    item.put("role", "assistant");
    return item;
  }

  private static ObjectNode outputText(String text) {
    ObjectNode part = Json.object();
    part.put("type", "output_text");
    part.putArray("annotations");
    part.putArray("logprobs");
    part.put("text", text);
    return part;
  }

  private static ObjectNode responseUsage(Usage usage) {
    ObjectNode node = Json.object();
    node.put("input_tokens", usage.input());
    ObjectNode input = node.putObject("input_tokens_details");
    input.put("cached_tokens", usage.cached());
    input.put("cache_write_tokens", usage.cacheWrite());
    node.put("output_tokens", usage.output());
    node.putObject("output_tokens_details").put("reasoning_tokens", usage.reasoning());
    node.put("total_tokens", usage.input() + usage.output());
    return node;
  }

  // ---- Embeddings ----

  private void embeddings(Exchange ex, ObjectNode body, String model, Usage usage) {
    JsonNode input = body.get("input");
    if (input == null || input.isNull()) {
      error(ex, 400, "Missing required parameter: 'input'.", "invalid_request_error", "input",
          "missing_required_parameter");
      return;
    }
    if (ex.controls().failure() == Controls.Failure.DISCONNECT) {
      ex.disconnect();
      return;
    }
    List<String> inputs = new ArrayList<>();
    if (input.isArray() && input.size() > 0 && !input.get(0).isNumber()) {
      input.forEach(element -> inputs.add(element.toString()));
    } else {
      inputs.add(input.toString());
    }
    int dimensions = body.path("dimensions").asInt(model.contains("-large") ? 3072 : 1536);
    if (dimensions < 1 || dimensions > 3072) {
      error(ex, 400, "Invalid value for 'dimensions' = " + dimensions + ". Must be between 1 and 3072.",
          "invalid_request_error", "dimensions", "invalid_value");
      return;
    }
    boolean base64 = "base64".equals(Json.text(body, "encoding_format"));
    ObjectNode response = Json.object();
    response.put("object", "list");
    ArrayNode data = response.putArray("data");
    for (int i = 0; i < inputs.size(); i++) {
      ObjectNode embedding = data.addObject();
      embedding.put("object", "embedding");
      embedding.put("index", i);
      float[] vector = vector(model + "\n" + inputs.get(i), dimensions);
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
          bytes.putFloat(value);
        }
        embedding.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        ArrayNode values = embedding.putArray("embedding");
        for (float value : vector) {
          values.add(value);
        }
      }
    }
    response.put("model", ModelCatalog.answeredModel(ModelCatalog.OPENAI, model));
    ObjectNode usageNode = response.putObject("usage");
    usageNode.put("prompt_tokens", usage.input());
    usageNode.put("total_tokens", usage.input());
    ex.respondJson(HttpResponseStatus.OK, headers(ex, usage.input(), false), response);
  }

  /** A deterministic unit vector for the text, so equal inputs embed equally. */
  private static float[] vector(String text, int dimensions) {
    long seed = 1125899906842597L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      seed = 31 * seed + b;
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] vector = new float[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) (random.nextDouble() * 2 - 1);
      norm += vector[i] * vector[i];
    }
    float scale = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dimensions; i++) {
      vector[i] *= scale;
    }
    return vector;
  }

  // ---- Models ----

  private void listModels(Exchange ex) {
    ObjectNode response = Json.object();
    response.put("object", "list");
    ArrayNode data = response.putArray("data");
    for (ModelCatalog.Model model : ModelCatalog.OPENAI) {
      data.add(modelObject(model.id(), model.created()));
      if (!model.snapshot().equals(model.id())) {
        data.add(modelObject(model.snapshot(), model.created()));
      }
    }
    ex.respondJson(HttpResponseStatus.OK, headers(ex, 0, false), response);
  }

  private void getModel(Exchange ex, String id) {
    Optional<ModelCatalog.Model> model = ModelCatalog.find(ModelCatalog.OPENAI, id);
    if (model.isEmpty()) {
      error(ex, 404, "The model '" + id + "' does not exist", "invalid_request_error", "model", "model_not_found");
      return;
    }
    ex.respondJson(HttpResponseStatus.OK, headers(ex, 0, false), modelObject(model.get().id(), model.get().created()));
  }

  private static ObjectNode modelObject(String id, long created) {
    ObjectNode model = Json.object();
    model.put("id", id);
    model.put("object", "model");
    model.put("created", created);
    model.put("owned_by", "system");
    return model;
  }

  // ---- Errors and headers ----

  /** Answers with the x-fake-status error, if one was asked for. */
  private boolean statusControlled(Exchange ex) {
    int status = ex.controls().status();
    if (status == 0) {
      return false;
    }
    switch (status) {
      case 400 -> error(ex, status, "Invalid request.", "invalid_request_error", null, null);
      case 401 -> error(ex, status, "Incorrect API key provided. You can find your API key at"
          + " https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
      case 403 -> error(ex, status, "Country, region, or territory not supported", "request_forbidden", null,
          "unsupported_country_region_territory");
      case 404 -> error(ex, status, "The model does not exist or you do not have access to it.",
          "invalid_request_error", null, "model_not_found");
      case 429 -> error(ex, status, "Rate limit reached for requests per min (RPM): Limit " + LIMIT_REQUESTS
          + ", Used " + LIMIT_REQUESTS + ", Requested 1. Please try again in "
          + duration(ex.controls().retryAfterMs()) + ".", "requests", null, "rate_limit_exceeded");
      case 500 -> error(ex, status, "The server had an error while processing your request. Sorry about that!",
          "server_error", null, null);
      case 503 -> error(ex, status, "The engine is currently overloaded, please try again later.",
          "server_error", null, null);
      default -> error(ex, status, "The fake provider was asked to fail with status " + status + ".",
          status >= 500 ? "server_error" : "invalid_request_error", null, null);
    }
    return true;
  }

  private void error(Exchange ex, int status, String message, String type, String param, String code) {
    HttpHeaders headers = headers(ex, 0, status == 429);
    if (status == 429 || status >= 500) {
      long retryMs = ex.controls().retryAfterMs();
      headers.set("retry-after", Long.toString((retryMs + 999) / 1000));
      headers.set("retry-after-ms", Long.toString(retryMs));
      headers.set("x-should-retry", "true");
    }
    ObjectNode body = Json.object();
    body.set("error", errorObject(message, type, param, code));
    ex.respondJson(HttpResponseStatus.valueOf(status), headers, body);
  }

  private static ObjectNode errorObject(String message, String type, String param, String code) {
    ObjectNode error = Json.object();
    error.put("message", message);
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    return error;
  }

  private static HttpHeaders headers(Exchange ex, long tokens, boolean limited) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("x-request-id", "req_" + Ids.hex(32));
    headers.set("openai-processing-ms", Long.toString(ex.elapsedMs()));
    headers.set("openai-version", "2020-10-01");
    headers.set("x-ratelimit-limit-requests", Long.toString(LIMIT_REQUESTS));
    headers.set("x-ratelimit-limit-tokens", Long.toString(LIMIT_TOKENS));
    headers.set("x-ratelimit-remaining-requests", Long.toString(limited ? 0 : LIMIT_REQUESTS - 1));
    headers.set("x-ratelimit-remaining-tokens", Long.toString(limited ? 0 : Math.max(0, LIMIT_TOKENS - tokens)));
    headers.set("x-ratelimit-reset-requests", limited ? duration(ex.controls().retryAfterMs()) : "6ms");
    headers.set("x-ratelimit-reset-tokens", limited ? duration(ex.controls().retryAfterMs()) : "0s");
    return headers;
  }

  /** A duration the way the rate-limit headers write it: {@code 120ms}, {@code 1s}, {@code 6m0s}. */
  static String duration(long ms) {
    if (ms < 1000) {
      return ms + "ms";
    }
    long seconds = (ms + 999) / 1000;
    return seconds < 60 ? seconds + "s" : (seconds / 60) + "m" + (seconds % 60) + "s";
  }

  private static String data(JsonNode json) {
    return "data: " + Json.write(json) + "\n\n";
  }
}
