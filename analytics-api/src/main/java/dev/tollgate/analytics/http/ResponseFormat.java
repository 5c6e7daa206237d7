package dev.tollgate.analytics.http;

import java.util.List;
import java.util.Locale;

/**
 * JSON or CSV: {@code format=json|csv} wins; otherwise {@code Accept: text/csv} asks for CSV and
 * anything else gets JSON.
 *
 * <p>Immutable.
 */
enum ResponseFormat {
  JSON,
  CSV;

  static final String PARAMETER = "format";

  static ResponseFormat of(ApiRequest request) {
    List<String> values = request.parameters().get(PARAMETER);
    if (values != null && !values.isEmpty()) {
      if (values.size() > 1) {
        throw ApiException.badParameter("format given " + values.size() + " times (expected: once)");
      }
      return switch (values.get(0)) {
        case "json" -> JSON;
        case "csv" -> CSV;
        default -> throw ApiException.badParameter("format " + values.get(0) + " is not allowed (allowed: json, csv)");
      };
    }
    String accept = request.accept();
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/csv") ? CSV : JSON;
  }
}
