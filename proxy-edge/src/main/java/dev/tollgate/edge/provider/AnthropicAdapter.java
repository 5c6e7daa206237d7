package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/**
 * Anthropic's Messages protocol. Its {@code input_tokens} excludes cache reads and writes, so the
 * recorded input is {@code input_tokens + cache_creation_input_tokens + cache_read_input_tokens};
 * in a stream, {@code message_delta} usage is cumulative: the latest value wins, nothing is summed.
 *
 * <p>Stateless and thread-safe; sinks are per response.
 */
final class AnthropicAdapter extends ProtocolAdapter {

  @Override
  public String protocol() {
    return "anthropic";
  }

  @Override
  public String operation(String method, String path) {
    return method.equals("POST") && endsWithSegments(path, "messages") ? "messages" : "other";
  }

  @Override
  JsonSink bodySink(String operation, ResponseFacts facts, boolean stream) {
    return new MessageSink(facts);
  }

  @Override
  SseParser.Listener streamListener(String operation, ResponseFacts facts) {
    MessageSink sink = new MessageSink(facts);
    JsonSink delta = (path, p) -> {
      if (path.equals("delta.text") || path.equals("delta.thinking") || path.equals("delta.partial_json")) {
        facts.estimateOutput(p);
      }
    };
    return (event, data, length) -> {
      if (event == null) {
        return;
      }
      switch (event) {
        case "message_start" -> {
          sink.prefix = "message.";
          walk(sink, data, length);
        }
        case "message_delta", "error" -> {
          sink.prefix = "";
          walk(sink, data, length);
          if (event.equals("error") && facts.errorType == null) {
            facts.errorType = "error";
          }
        }
        case "content_block_delta" -> {
          facts.contentSeen();
          walk(delta, data, length);
        }
        default -> { } // ping, content_block_start/stop, message_stop
      }
    };
  }

  @Override
  void writeError(JsonGenerator json, int status, String code, String message) throws IOException {
    String type = switch (status) {
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 504 -> "timeout_error";
      default -> status < 500 ? "invalid_request_error" : "api_error";
    };
    json.writeStartObject();
    json.writeStringField("type", "error");
    json.writeObjectFieldStart("error");
    json.writeStringField("type", type);
    json.writeStringField("message", message);
    json.writeEndObject();
    json.writeEndObject();
  }

  /** A message (non-stream body, or {@code message_start}'s {@code message}) and {@code message_delta}. */
  static final class MessageSink implements JsonSink {
    private final ResponseFacts facts;
    String prefix = "";
    private long input;
    private long cacheCreation;
    private long cacheRead;

    MessageSink(ResponseFacts facts) {
      this.facts = facts;
    }

    @Override
    public void startObject(String path) {
      if (path.equals(prefix + "usage")) {
        facts.usageSeen(); // fields absent from a message_delta keep their earlier values
      }
    }

    @Override
    public void value(String path, JsonParser p) throws IOException {
      if (!path.startsWith(prefix)) {
        return;
      }
      switch (path.substring(prefix.length())) {
        case "id" -> facts.responseId = OpenAiAdapter.orElse(Json.text(p), facts.responseId);
        case "model" -> facts.responseModel = OpenAiAdapter.orElse(Json.text(p), facts.responseModel);
        case "stop_reason", "delta.stop_reason" -> {
          String reason = Json.text(p);
          if (reason != null) {
            facts.finishReasons.clear();
            facts.finishReasons.add(reason);
          }
        }
        case "usage.input_tokens" -> {
          input = Json.count(p);
          normalise();
        }
        case "usage.cache_creation_input_tokens" -> {
          cacheCreation = Json.count(p);
          normalise();
        }
        case "usage.cache_read_input_tokens" -> {
          cacheRead = Json.count(p);
          normalise();
        }
        case "usage.cache_creation.ephemeral_1h_input_tokens" -> facts.cacheWrite1hInputTokens = Json.count(p);
        case "usage.output_tokens" -> facts.outputTokens = Json.count(p);
        case "usage.output_tokens_details.thinking_tokens" -> facts.reasoningTokens = Json.count(p);
        case "usage.service_tier" -> facts.serviceTier = OpenAiAdapter.orElse(Json.text(p), facts.serviceTier);
        case "content[].text", "content[].thinking" -> facts.estimateOutput(p);
        case "error.type" -> facts.errorType = OpenAiAdapter.orElse(Json.text(p), facts.errorType);
        default -> { }
      }
    }

    private void normalise() {
      facts.inputTokens = Json.sum(input, Json.sum(cacheCreation, cacheRead));
      facts.cacheReadInputTokens = cacheRead;
      facts.cacheWriteInputTokens = cacheCreation;
    }
  }
}
