package dev.tollgate.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a YAML tree against a JSON Schema written with a small, closed set of keywords: type
 * (one or a list), properties, required, additionalProperties (false or a schema), items, enum,
 * pattern, minimum, maximum, minItems, plus {@code x-kubernetes-type} which hands the subtree to
 * the Kubernetes object model (a pod template inside a custom resource). A schema using any
 * other keyword is rejected, so no constraint is silently skipped.
 *
 * <p>Stateless and thread-safe.
 */
final class SchemaCheck {

  private static final Set<String> KEYWORDS = Set.of("$schema", "$id", "title", "description", "type", "properties",
      "required", "additionalProperties", "items", "enum", "pattern", "minimum", "maximum", "minItems", "x-kubernetes-type");

  private SchemaCheck() {}

  /** Adds a problem for every way {@code value} breaks {@code schema}. */
  static void check(JsonNode schema, JsonNode value, String path, List<String> problems) {
    for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
      String keyword = it.next();
      if (!KEYWORDS.contains(keyword)) {
        throw new ManifestException("schema at " + path + ": unsupported keyword " + keyword);
      }
    }
    if (schema.has("type") && !typeMatches(schema.get("type"), value)) {
      problems.add(path + ": " + describe(value) + " (expected: " + schema.get("type") + ")");
      return;
    }
    if (schema.has("enum")) {
      boolean found = false;
      for (JsonNode allowed : schema.get("enum")) {
        found |= allowed.equals(value);
      }
      if (!found) {
        problems.add(path + ": " + value + " (expected one of " + schema.get("enum") + ")");
      }
    }
    if (schema.has("pattern") && value.isTextual() && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
      problems.add(path + ": " + value + " (expected to match " + schema.get("pattern").asText() + ")");
    }
    if (schema.has("minimum") && value.isNumber() && value.decimalValue().compareTo(schema.get("minimum").decimalValue()) < 0) {
      problems.add(path + ": " + value + " (expected: >= " + schema.get("minimum") + ")");
    }
    if (schema.has("maximum") && value.isNumber() && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0) {
      problems.add(path + ": " + value + " (expected: <= " + schema.get("maximum") + ")");
    }
    if (schema.has("x-kubernetes-type")) {
      Class<?> type = ObjectModel.EMBEDDED.get(schema.get("x-kubernetes-type").asText());
      if (type == null) {
        throw new ManifestException("schema at " + path + ": unknown x-kubernetes-type " + schema.get("x-kubernetes-type"));
      }
      ObjectModel.read(value, type, path, problems);
    }
    if (value.isObject()) {
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          problems.add(path + ": missing required field " + required.asText());
        }
      }
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.get("additionalProperties");
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String child = path + "." + field.getKey();
        if (properties.has(field.getKey())) {
          check(properties.get(field.getKey()), field.getValue(), child, problems);
        } else if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
          problems.add(path + ": unknown field " + field.getKey());
        } else if (additional != null && additional.isObject()) {
          check(additional, field.getValue(), child, problems);
        }
      }
    }
    if (value.isArray()) {
      if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
        problems.add(path + ": " + value.size() + " items (expected: at least " + schema.get("minItems") + ")");
      }
      if (schema.has("items")) {
        for (int i = 0; i < value.size(); i++) {
          check(schema.get("items"), value.get(i), path + "[" + i + "]", problems);
        }
      }
    }
  }

  private static boolean typeMatches(JsonNode type, JsonNode value) {
    if (type.isArray()) {
      for (JsonNode t : type) {
        if (typeMatches(t, value)) {
          return true;
        }
      }
      return false;
    }
    return switch (type.asText()) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      default -> throw new ManifestException("schema: unknown type " + type);
    };
  }

  private static String describe(JsonNode value) {
    String text = value.isContainerNode() ? value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) : value.toString();
    return text + " is a " + value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
  }
}
