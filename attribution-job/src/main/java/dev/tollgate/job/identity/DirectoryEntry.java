package dev.tollgate.job.identity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;

/**
 * What the identity directory knows about one provider key (by its fingerprint): who to charge.
 * Empty strings mean "the directory does not say".
 *
 * <p>In the directory topic an entry is a JSON object with any of the fields
 * {@code tenant, team, user, service, cost_center} (strings); other fields are rejected so a typo
 * is not silently ignored.
 *
 * <p>Immutable and thread-safe.
 */
public record DirectoryEntry(String tenant, String team, String user, String service, String costCenter) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS = Set.of("tenant", "team", "user", "service", "cost_center");

  public DirectoryEntry {
    tenant = tenant == null ? "" : tenant;
    team = team == null ? "" : team;
    user = user == null ? "" : user;
    service = service == null ? "" : service;
    costCenter = costCenter == null ? "" : costCenter;
  }

  /**
   * Parses a directory topic value.
   *
   * @throws IllegalArgumentException saying what is wrong (never echoing more than field names)
   */
  public static DirectoryEntry fromJson(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON (expected: an object such as {\"team\": \"search\"})");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object (expected: an object such as {\"team\": \"search\"})");
    }
    for (var field : node.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw new IllegalArgumentException("unknown field " + field.getKey() + " (expected: one of " + FIELDS + ")");
      }
      if (!field.getValue().isTextual() && !field.getValue().isNull()) {
        throw new IllegalArgumentException(field.getKey() + ": not a string");
      }
    }
    return new DirectoryEntry(text(node, "tenant"), text(node, "team"), text(node, "user"),
        text(node, "service"), text(node, "cost_center"));
  }

  /** The entry as a directory topic value (empty fields left out). */
  public String toJson() {
    var node = JSON.createObjectNode();
    put(node, "tenant", tenant);
    put(node, "team", team);
    put(node, "user", user);
    put(node, "service", service);
    put(node, "cost_center", costCenter);
    return node.toString();
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? "" : value.asText().trim();
  }

  private static void put(com.fasterxml.jackson.databind.node.ObjectNode node, String field, String value) {
    if (!value.isEmpty()) {
      node.put(field, value);
    }
  }
}
