package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/**
 * OpenAI's protocol (and every OpenAI-compatible server): Chat Completions, Responses and
 * Embeddings usage, streamed or not.
 *
 * <p>Stateless and thread-safe; sinks are per response.
 */
final class OpenAiAdapter extends ProtocolAdapter {

  @Override
  public String protocol() {
    return "openai";
  }

  @Override
  public String operation(String method, String path) {
    if (!method.equals("POST")) {
      return "other";
    }
    if (endsWithSegments(path, "chat/completions")) {
      return "chat";
    }
    if (endsWithSegments(path, "responses")) {
      return "responses";
    }
    if (endsWithSegments(path, "embeddings")) {
      return "embeddings";
    }
    return "other";
  }

  @Override
  JsonSink bodySink(String operation, ResponseFacts facts, boolean stream) {
    return operation.equals("responses") ? new ResponsesSink(facts, "") : new ChatSink(facts);
  }

  @Override
  SseParser.Listener streamListener(String operation, ResponseFacts facts) {
    if (operation.equals("responses")) {
      ResponsesSink envelope = new ResponsesSink(facts, "response.");
      ErrorEventSink error = new ErrorEventSink(facts);
      JsonSink delta = (path, p) -> {
        if (path.equals("delta")) {
          facts.estimateOutput(p);
        }
      };
      return (event, data, length) -> {
        if (event != null && event.endsWith(".delta")) {
          facts.contentSeen();
          walk(delta, data, length);
        } else if ("error".equals(event)) {
          if (!walk(error, data, length) || facts.errorType == null) {
            facts.errorType = "error";
          }
        } else {
          walk(envelope, data, length);
        }
      };
    }
    ChatSink chunk = new ChatSink(facts);
    return (event, data, length) -> walk(chunk, data, length);
  }

  @Override
  void writeError(JsonGenerator json, int status, String code, String message) throws IOException {
    json.writeStartObject();
    json.writeObjectFieldStart("error");
    json.writeStringField("message", message);
    json.writeStringField("type", status == 404 || status == 413 || status == 400 ? "invalid_request_error" : "api_error");
    json.writeNullField("param");
    json.writeStringField("code", code);
    json.writeEndObject();
    json.writeEndObject();
  }

  /**
   * Chat Completions (and embeddings, whose usage is the same shape): a non-stream body or one
   * stream chunk. The usage chunk is recognised by {@code usage} being an object, never by empty
   * {@code choices} (Azure's first chunk has empty choices and no usage).
   */
  static final class ChatSink implements JsonSink {
    private final ResponseFacts facts;

    ChatSink(ResponseFacts facts) {
      this.facts = facts;
    }

    @Override
    public void startObject(String path) {
      if (path.equals("usage")) {
        facts.resetUsage();
      }
    }

    @Override
    public void value(String path, JsonParser p) throws IOException {
      switch (path) {
        case "id" -> facts.responseId = orElse(Json.text(p), facts.responseId);
        case "model" -> facts.responseModel = orElse(Json.text(p), facts.responseModel);
        case "service_tier" -> facts.serviceTier = orElse(Json.text(p), facts.serviceTier);
        case "choices[].finish_reason" -> {
          String reason = Json.text(p);
          if (reason != null) {
            facts.finishReasons.add(reason);
          }
        }
        case "usage.prompt_tokens" -> facts.inputTokens = Json.count(p);
        case "usage.prompt_tokens_details.cached_tokens" -> facts.cacheReadInputTokens = Json.count(p);
        case "usage.prompt_tokens_details.cache_write_tokens" -> facts.cacheWriteInputTokens = Json.count(p);
        case "usage.completion_tokens" -> facts.outputTokens = Json.count(p);
        case "usage.completion_tokens_details.reasoning_tokens" -> facts.reasoningTokens = Json.count(p);
        case "choices[].delta.content", "choices[].delta.refusal", "choices[].delta.tool_calls[].function.arguments" -> {
          if (Json.nonEmptyString(p)) {
            facts.contentSeen();
            facts.estimateOutput(p);
          }
        }
        case "choices[].message.content", "choices[].message.refusal",
            "choices[].message.tool_calls[].function.arguments" -> facts.estimateOutput(p);
        case "error.type" -> facts.errorType = orElse(Json.text(p), facts.errorType);
        case "error.code" -> {
          if (facts.errorType == null) {
            facts.errorType = Json.scalarText(p); // Azure sends only a code
          }
        }
        default -> { }
      }
    }
  }

  /** The Responses API: the response object, at the root or under {@code response.} in stream events. */
  static final class ResponsesSink implements JsonSink {
    private final ResponseFacts facts;
    private final String prefix;

    ResponsesSink(ResponseFacts facts, String prefix) {
      this.facts = facts;
      this.prefix = prefix;
    }

    @Override
    public void startObject(String path) {
      if (path.equals(prefix + "usage")) {
        facts.resetUsage();
      }
    }

    @Override
    public void value(String path, JsonParser p) throws IOException {
      if (!path.startsWith(prefix)) {
        return;
      }
      switch (path.substring(prefix.length())) {
        case "id" -> facts.responseId = orElse(Json.text(p), facts.responseId);
        case "model" -> facts.responseModel = orElse(Json.text(p), facts.responseModel);
        case "service_tier" -> facts.serviceTier = orElse(Json.text(p), facts.serviceTier);
        case "status" -> {
          String status = Json.text(p);
          if (status != null) {
            facts.finishReasons.clear(); // the latest status is the final one
            facts.finishReasons.add(status);
          }
        }
        case "usage.input_tokens" -> facts.inputTokens = Json.count(p);
        case "usage.input_tokens_details.cached_tokens" -> facts.cacheReadInputTokens = Json.count(p);
        case "usage.input_tokens_details.cache_write_tokens" -> facts.cacheWriteInputTokens = Json.count(p);
        case "usage.output_tokens" -> facts.outputTokens = Json.count(p);
        case "usage.output_tokens_details.reasoning_tokens" -> facts.reasoningTokens = Json.count(p);
        case "error.type" -> facts.errorType = orElse(Json.text(p), facts.errorType);
        case "error.code" -> {
          if (facts.errorType == null) {
            facts.errorType = Json.scalarText(p);
          }
        }
        // Only in a non-stream body: a stream's envelope events repeat the output already counted from its deltas.
        case "output[].content[].text", "output[].summary[].text", "output[].arguments" -> {
          if (prefix.isEmpty()) {
            facts.estimateOutput(p);
          }
        }
        default -> { }
      }
    }
  }

  /** The Responses API's {@code event: error}: {@code {"type":"error","code":...}}. */
  private static final class ErrorEventSink implements JsonSink {
    private final ResponseFacts facts;

    ErrorEventSink(ResponseFacts facts) {
      this.facts = facts;
    }

    @Override
    public void value(String path, JsonParser p) throws IOException {
      if (path.equals("code")) {
        facts.errorType = orElse(Json.scalarText(p), facts.errorType);
      }
    }
  }

  static String orElse(String value, String fallback) {
    return value != null ? value : fallback;
  }
}
