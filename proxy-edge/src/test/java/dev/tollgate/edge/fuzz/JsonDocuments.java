package dev.tollgate.edge.fuzz;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Strict JSON checks for the fuzz targets, with Jackson's blocking parser. Stateless. */
final class JsonDocuments {

  static final JsonFactory JSON = new JsonFactory();

  private JsonDocuments() {}

  /** True when {@code json} is exactly one valid JSON value. */
  static boolean isValid(byte[] json) {
    return tokens(json, false) != null;
  }

  /**
   * The document's tokens (type and text), or null when it is not exactly one valid JSON value;
   * with {@code withoutStreamOptions}, every top-level {@code stream_options} member is left out.
   */
  static List<String> tokens(byte[] json, boolean withoutStreamOptions) {
    List<String> tokens = new ArrayList<>();
    try (JsonParser p = JSON.createParser(json)) {
      JsonToken token = p.nextToken();
      if (token == null) {
        return null;
      }
      int depth = 0;
      do {
        if (withoutStreamOptions && depth == 1 && token == JsonToken.FIELD_NAME && p.currentName().equals("stream_options")) {
          p.nextToken();
          p.skipChildren();
          continue;
        }
        if (token.isStructStart()) {
          depth++;
        } else if (token.isStructEnd()) {
          depth--;
        }
        tokens.add(token + ":" + p.getText());
      } while (depth > 0 && (token = p.nextToken()) != null);
      return p.nextToken() == null ? tokens : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
