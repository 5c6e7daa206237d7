package dev.tollgate.fake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * JSON building and parsing shared by the protocols; object fields keep insertion order, so bodies
 * come out in the order the real APIs use.
 *
 * <p>Thread-safe: the mapper is configured once and only used afterwards.
 */
final class Json {

  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The body as a JSON object, or empty when it is not one (what the real APIs answer 400 to). */
  static Optional<ObjectNode> parseObject(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      return node instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A non-empty text field, or null. */
  static String text(ObjectNode body, String field) {
    JsonNode node = body.get(field);
    return node != null && node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
  }
}
