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
 * The Gemini API ({@code generativelanguage.googleapis.com}): {@code :generateContent}, {@code
 * :streamGenerateContent?alt=sse} and {@code :countTokens} under {@code /v1beta/models/{model}}
 * (and {@code /v1/}), with the Google RPC error shape {@code
 * {"error":{"code","message","status","details"}}}. Usage follows proto3 JSON: zero counts are left
 * out; {@code promptTokenCount} includes cached content and {@code candidatesTokenCount} excludes
 * thinking ({@code thoughtsTokenCount}). A stream sends one {@code data:} event per chunk, each
 * {@code usageMetadata} a cumulative snapshot (early chunks only the prompt count, the last one —
 * with {@code finishReason} — the full counts), and ends with the body: no sentinel event.
 *
 * <p>Stateless and thread-safe.
 */
final class GeminiProtocol implements Protocol {

  private static final String MODELS_V1BETA = "/v1beta/models/";
  private static final String MODELS_V1 = "/v1/models/";

  @Override
  public boolean claims(Exchange exchange) {
    String path = exchange.path();
    return path.startsWith("/v1beta/") || (path.startsWith(MODELS_V1) && path.indexOf(':') > 0)
        || exchange.header("x-goog-api-key") != null;
  }

  @Override
  public void rejectControls(Exchange exchange, String message) {
    error(exchange, 400, message);
  }

  @Override
  public void serve(Exchange ex) {
    QueryStringDecoder query = new QueryStringDecoder(ex.uri());
    List<String> keyParam = query.parameters().get("key");
    boolean hasKey = !isBlank(ex.header("x-goog-api-key")) || (keyParam != null && !isBlank(keyParam.get(0)));
    if (!hasKey) {
      error(ex, 403, "Method doesn't allow unregistered callers (callers without established identity)."
          + " Please use API Key or other form of API consumer identity to call this API.");
      return;
    }
    String path = ex.path();
    String prefix = path.startsWith(MODELS_V1BETA) ? MODELS_V1BETA : path.startsWith(MODELS_V1) ? MODELS_V1 : null;
    int colon = path.lastIndexOf(':');
    String model = prefix == null || colon <= prefix.length() ? null : path.substring(prefix.length(), colon);
    String method = colon < 0 ? "" : path.substring(colon + 1);
    boolean known = method.equals("generateContent") || method.equals("streamGenerateContent") || method.equals("countTokens");
    if (!ex.method().equals("POST") || model == null || model.contains("/") || !known) {
      error(ex, 404, "Method not found.");
      return;
    }
    if (statusControlled(ex)) {
      return;
    }
    Optional<ObjectNode> parsed = Json.parseObject(ex.body());
    if (parsed.isEmpty()) {
      error(ex, 400, "Invalid JSON payload received. Unexpected token.");
      return;
    }
    if (!parsed.get().path("contents").isArray() || parsed.get().path("contents").isEmpty()) {
      error(ex, 400, "* GenerateContentRequest.contents: contents is not specified\n");
      return;
    }
    Usage usage;
    try {
      usage = Usage.resolve(ex.controls().usage(), ex.body().length, ex.controls().chunks());
    } catch (IllegalArgumentException e) {
      rejectControls(ex, e.getMessage());
      return;
    }
    switch (method) {
      case "countTokens" -> {
        ObjectNode count = Json.object();
        count.put("totalTokens", usage.input());
        putIfPositive(count, "cachedContentTokenCount", usage.cached());
        ex.respondJson(HttpResponseStatus.OK, headers(), count);
      }
      case "generateContent" -> generate(ex, model, usage);
      default -> {
        List<String> alt = query.parameters().get("alt");
        stream(ex, model, usage, alt != null && alt.contains("sse"));
      }
    }
  }

  private void generate(Exchange ex, String model, Usage usage) {
    if (ex.controls().failure() == Controls.Failure.DISCONNECT) {
      ex.disconnect();
      return;
    }
    String responseId = Ids.alnum(22);
    ObjectNode response = chunk(Content.text(ex.controls().chunks()), "STOP", model, responseId);
    response.set("usageMetadata", fullUsage(usage));
    ex.respondJson(HttpResponseStatus.OK, headers(), response);
  }

  private void stream(Exchange ex, String model, Usage usage, boolean sse) {
    if (!sse) {
      // Without alt=sse the API streams one JSON array; only the SSE form is faked.
      error(ex, 400, "The fake provider serves :streamGenerateContent only with alt=sse.");
      return;
    }
    Controls controls = ex.controls();
    String responseId = Ids.alnum(22);
    List<String> pieces = Content.pieces(controls.chunks());
    boolean failMidStream = controls.failure() == Controls.Failure.MID_STREAM_ERROR;
    List<String> sent = failMidStream ? pieces.subList(0, Content.failAfter(pieces.size())) : pieces;
    List<String> frames = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      boolean last = !failMidStream && i == sent.size() - 1;
      if (last && controls.failure() == Controls.Failure.DISCONNECT) {
        ex.respondStream(headers(), frames, Exchange.StreamEnd.DISCONNECT);
        return;
      }
      ObjectNode chunk = chunk(sent.get(i), last ? "STOP" : null, model, responseId);
      chunk.set("usageMetadata", last ? fullUsage(usage) : promptUsage(usage));
      frames.add("data: " + Json.write(chunk) + "\r\n\r\n");
    }
    if (failMidStream) {
      frames.add("data: " + Json.write(errorBody(500, "An internal error has occurred. Please retry or report in"
          + " https://developers.generativeai.google/guide/troubleshooting")) + "\r\n\r\n");
    }
    ex.respondStream(headers(), frames, Exchange.StreamEnd.COMPLETE);
  }

  /** One GenerateContentResponse with a single text candidate. */
  private static ObjectNode chunk(String text, String finishReason, String model, String responseId) {
    ObjectNode response = Json.object();
    ObjectNode candidate = response.putArray("candidates").addObject();
    ObjectNode content = candidate.putObject("content");
    content.putArray("parts").addObject().put("text", text);
    content.put("role", "model");
    if (finishReason != null) {
      candidate.put("finishReason", finishReason);
    }
    candidate.put("index", 0);
    response.put("modelVersion", model);
    response.put("responseId", responseId);
    return response;
  }

  /** The snapshot early stream chunks carry: the prompt only. */
  private static ObjectNode promptUsage(Usage usage) {
    ObjectNode metadata = Json.object();
    putIfPositive(metadata, "promptTokenCount", usage.input());
    putIfPositive(metadata, "totalTokenCount", usage.input());
    ArrayNode details = metadata.putArray("promptTokensDetails");
    details.addObject().put("modality", "TEXT").put("tokenCount", usage.input());
    return metadata;
  }

  /**
   * The full counts: {@code candidatesTokenCount} excludes the thinking tokens, which are {@code
   * thoughtsTokenCount}; Gemini has no cache writes, so {@code cache_write} is only part of the
   * prompt.
   */
  private static ObjectNode fullUsage(Usage usage) {
    ObjectNode metadata = Json.object();
    putIfPositive(metadata, "promptTokenCount", usage.input());
    putIfPositive(metadata, "candidatesTokenCount", usage.output() - usage.reasoning());
    putIfPositive(metadata, "totalTokenCount", usage.input() + usage.output());
    putIfPositive(metadata, "cachedContentTokenCount", usage.cached());
    putIfPositive(metadata, "thoughtsTokenCount", usage.reasoning());
    metadata.putArray("promptTokensDetails").addObject().put("modality", "TEXT").put("tokenCount", usage.input());
    return metadata;
  }

  /** proto3 JSON leaves zero counts out. */
  private static void putIfPositive(ObjectNode node, String field, long value) {
    if (value > 0) {
      node.put(field, value);
    }
  }

  private boolean statusControlled(Exchange ex) {
    int status = ex.controls().status();
    if (status == 0) {
      return false;
    }
    String message = switch (status) {
      case 400 -> "API key not valid. Please pass a valid API key.";
      case 403 -> "Permission denied: Consumer has been suspended.";
      case 404 -> "models/unknown is not found for API version v1beta, or is not supported for generateContent.";
      case 429 -> "You exceeded your current quota, please check your plan and billing details.";
      case 500 -> "An internal error has occurred. Please retry or report in"
          + " https://developers.generativeai.google/guide/troubleshooting";
      case 503 -> "The model is overloaded. Please try again later.";
      case 504 -> "Deadline expired before operation could complete.";
      default -> "The fake provider was asked to fail with status " + status + ".";
    };
    error(ex, status, message);
    return true;
  }

  private void error(Exchange ex, int status, String message) {
    ex.respondJson(HttpResponseStatus.valueOf(status), headers(), errorBody(status, message));
  }

  /** The Google RPC error object; a 400 from a bad key carries reason {@code API_KEY_INVALID}. */
  static ObjectNode errorBody(int status, String message) {
    String rpcStatus = switch (status) {
      case 400 -> "INVALID_ARGUMENT";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "NOT_FOUND";
      case 409 -> "ABORTED";
      case 429 -> "RESOURCE_EXHAUSTED";
      case 499 -> "CANCELLED";
      case 501 -> "UNIMPLEMENTED";
      case 503 -> "UNAVAILABLE";
      case 504 -> "DEADLINE_EXCEEDED";
      default -> status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    };
    ObjectNode body = Json.object();
    ObjectNode error = body.putObject("error");
    error.put("code", status);
    error.put("message", message);
    error.put("status", rpcStatus);
    ArrayNode details = error.putArray("details");
    if (status == 429) {
      details.addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo").put("retryDelay", "1s");
    } else if (status == 400 && message.startsWith("API key not valid")) {
      ObjectNode info = details.addObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo")
          .put("reason", "API_KEY_INVALID").put("domain", "googleapis.com");
      info.putObject("metadata").put("service", "generativelanguage.googleapis.com");
    }
    return body;
  }

  private static HttpHeaders headers() {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("server-timing", "gfet4t7; dur=1");
    headers.set("vary", "Origin, X-Origin, Referer");
    return headers;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
