package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/**
 * Google's Gemini API ({@code :generateContent}, {@code :streamGenerateContent}). Its
 * {@code candidatesTokenCount} excludes thinking and {@code toolUsePromptTokenCount} is outside
 * the prompt count, so both are added; each {@code usageMetadata} is a cumulative snapshot and
 * the latest one wins.
 *
 * <p>Stateless and thread-safe; sinks are per response.
 */
final class GeminiAdapter extends ProtocolAdapter {

  @Override
  public String protocol() {
    return "gemini";
  }

  @Override
  public String operation(String method, String path) {
    return path.endsWith(":generateContent") || path.endsWith(":streamGenerateContent") ? "generate_content" : "other";
  }

  @Override
  JsonSink bodySink(String operation, ResponseFacts facts, boolean stream) {
    return new UsageMetadataSink(facts, stream);
  }

  @Override
  SseParser.Listener streamListener(String operation, ResponseFacts facts) {
    UsageMetadataSink sink = new UsageMetadataSink(facts, true);
    return (event, data, length) -> walk(sink, data, length);
  }

  @Override
  void writeError(JsonGenerator json, int status, String code, String message) throws IOException {
    String rpcStatus = switch (status) {
      case 404 -> "NOT_FOUND";
      case 413, 400 -> "INVALID_ARGUMENT";
      case 504 -> "DEADLINE_EXCEEDED";
      case 502, 503 -> "UNAVAILABLE";
      default -> "INTERNAL";
    };
    json.writeStartObject();
    json.writeObjectFieldStart("error");
    json.writeNumberField("code", status);
    json.writeStringField("message", message);
    json.writeStringField("status", rpcStatus);
    json.writeEndObject();
    json.writeEndObject();
  }

  /** A GenerateContentResponse (also the elements of the JSON-array stream without {@code alt=sse}). */
  static final class UsageMetadataSink implements JsonSink {
    private final ResponseFacts facts;
    private final boolean stream;
    private long prompt;
    private long toolUsePrompt;
    private long candidates;
    private long thoughts;

    UsageMetadataSink(ResponseFacts facts, boolean stream) {
      this.facts = facts;
      this.stream = stream;
    }

    @Override
    public void startObject(String path) {
      if (strip(path).equals("usageMetadata")) {
        facts.resetUsage();
        prompt = 0;
        toolUsePrompt = 0;
        candidates = 0;
        thoughts = 0;
      }
    }

    @Override
    public void value(String path, JsonParser p) throws IOException {
      switch (strip(path)) {
        case "responseId" -> facts.responseId = OpenAiAdapter.orElse(Json.text(p), facts.responseId);
        case "modelVersion" -> facts.responseModel = OpenAiAdapter.orElse(Json.text(p), facts.responseModel);
        case "candidates[].finishReason" -> {
          String reason = Json.text(p);
          if (reason != null) {
            facts.finishReasons.add(reason);
          }
        }
        case "candidates[].content.parts[].text" -> {
          if (stream && Json.nonEmptyString(p)) {
            facts.contentSeen();
          }
          facts.estimateOutput(p);
        }
        case "usageMetadata.promptTokenCount" -> {
          prompt = Json.count(p);
          normalise();
        }
        case "usageMetadata.toolUsePromptTokenCount" -> {
          toolUsePrompt = Json.count(p);
          normalise();
        }
        case "usageMetadata.candidatesTokenCount" -> {
          candidates = Json.count(p);
          normalise();
        }
        case "usageMetadata.thoughtsTokenCount" -> {
          thoughts = Json.count(p);
          normalise();
        }
        case "usageMetadata.cachedContentTokenCount" -> facts.cacheReadInputTokens = Json.count(p);
        case "error.status" -> facts.errorType = OpenAiAdapter.orElse(Json.text(p), facts.errorType);
        default -> { }
      }
    }

    private void normalise() {
      facts.inputTokens = Json.sum(prompt, toolUsePrompt);
      facts.outputTokens = Json.sum(candidates, thoughts);
      facts.reasoningTokens = thoughts;
    }

    private static String strip(String path) {
      return path.startsWith("[].") ? path.substring(3) : path;
    }
  }
}
