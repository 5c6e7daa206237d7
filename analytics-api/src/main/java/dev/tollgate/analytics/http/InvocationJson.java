package dev.tollgate.analytics.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.analytics.query.CostUsd;
import dev.tollgate.analytics.query.InvocationField;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * Writes one invocation row as the API's JSON object, field by field in {@link InvocationField}
 * order. Integers arrive quoted from ClickHouse 18.16 and bare from newer servers; both are read.
 *
 * <p>Stateless and thread-safe.
 */
final class InvocationJson {

  private InvocationJson() {}

  static void write(JsonGenerator json, JsonNode row) throws IOException {
    json.writeStartObject();
    for (InvocationField field : InvocationField.values()) {
      JsonNode value = row.path(field.alias());
      json.writeFieldName(field.field());
      if (value.isMissingNode() || value.isNull()) {
        json.writeNull();
        continue;
      }
      switch (field.kind()) {
        case STRING -> json.writeString(value.asText());
        case NUMBER -> json.writeNumber(Long.parseLong(value.asText()));
        case BOOLEAN -> json.writeBoolean(Long.parseLong(value.asText()) != 0);
        case EPOCH_SECONDS -> json.writeString(Instant.ofEpochSecond(Long.parseLong(value.asText())).toString());
        case EPOCH_MICROS -> {
          long micros = Long.parseLong(value.asText());
          json.writeString(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L)
              .toString());
        }
        case MICROS_AS_MILLIS -> json.writeNumber(millis(Long.parseLong(value.asText())));
        case NANOS_AS_USD -> json.writeNumber(CostUsd.fromNanos(Long.parseLong(value.asText())));
        case STRING_ARRAY -> {
          json.writeStartArray();
          for (JsonNode item : value) {
            json.writeString(item.asText());
          }
          json.writeEndArray();
        }
        case TAGS -> {
          json.writeStartObject();
          for (JsonNode pair : value) {
            json.writeStringField(pair.get(0).asText(), pair.get(1).asText());
          }
          json.writeEndObject();
        }
        default -> throw new IllegalStateException("kind " + field.kind());
      }
    }
    json.writeEndObject();
  }

  private static BigDecimal millis(long micros) {
    BigDecimal value = BigDecimal.valueOf(micros, 3).stripTrailingZeros();
    return value.scale() < 0 ? value.setScale(0) : value;
  }
}
