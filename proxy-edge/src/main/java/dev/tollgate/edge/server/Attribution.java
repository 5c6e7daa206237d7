package dev.tollgate.edge.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who a call is charged to, read from the {@code X-Tollgate-*} headers and W3C
 * {@code traceparent}. Malformed values are dropped, never fatal: the call goes through regardless.
 *
 * <p>Immutable.
 */
record Attribution(String tenant, String user, String team, String service, String environment,
                   Map<String, String> tags, int tagsDropped, String traceId, String spanId) {

  static final int MAX_TAGS = 20;
  static final int MAX_TAG_KEY = 64;
  static final int MAX_TAG_VALUE = 256;
  static final int MAX_VALUE = 256;

  // Names with their hash computed once: each call looks up all of them.
  private static final AsciiString TENANT = AsciiString.cached("x-tollgate-tenant");
  private static final AsciiString USER = AsciiString.cached("x-tollgate-user");
  private static final AsciiString TEAM = AsciiString.cached("x-tollgate-team");
  private static final AsciiString SERVICE = AsciiString.cached("x-tollgate-service");
  private static final AsciiString ENVIRONMENT = AsciiString.cached("x-tollgate-environment");
  private static final AsciiString TAGS = AsciiString.cached("x-tollgate-tags");
  private static final AsciiString TRACEPARENT_HEADER = AsciiString.cached("traceparent");

  private static final Pattern TRACEPARENT =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

  static Attribution from(HttpHeaders headers, String defaultTenant) {
    String tenant = value(headers, TENANT);
    TagParse tags = parseTags(headers.get(TAGS));
    String traceId = null;
    String spanId = null;
    String traceparent = headers.get(TRACEPARENT_HEADER);
    if (traceparent != null) {
      var m = TRACEPARENT.matcher(traceparent.strip());
      if (m.matches() && !m.group(1).equals("ff") && !m.group(2).matches("0+") && !m.group(3).matches("0+")) {
        traceId = m.group(2);
        spanId = m.group(3);
      }
    }
    return new Attribution(tenant != null ? tenant : defaultTenant,
        value(headers, USER), value(headers, TEAM), value(headers, SERVICE), value(headers, ENVIRONMENT),
        tags.tags(), tags.dropped(), traceId, spanId);
  }

  record TagParse(Map<String, String> tags, int dropped) {}

  /** Parses {@code k=v,k2=v2}: at most 20 tags, key 1..64 and value up to 256 characters; the rest dropped. */
  static TagParse parseTags(String header) {
    Map<String, String> tags = new LinkedHashMap<>();
    int dropped = 0;
    if (header == null || header.isBlank()) {
      return new TagParse(Map.of(), 0);
    }
    for (String part : header.split(",", -1)) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      String key = eq < 0 ? "" : part.substring(0, eq).strip();
      String value = eq < 0 ? "" : part.substring(eq + 1).strip();
      if (key.isEmpty() || key.length() > MAX_TAG_KEY || value.length() > MAX_TAG_VALUE
          || tags.size() >= MAX_TAGS || tags.containsKey(key)) {
        dropped++;
        continue;
      }
      tags.put(key, value);
    }
    return new TagParse(Map.copyOf(tags), dropped);
  }

  private static String value(HttpHeaders headers, AsciiString name) {
    String value = headers.get(name);
    if (value == null) {
      return null;
    }
    value = value.strip();
    return value.isEmpty() || value.length() > MAX_VALUE ? null : value;
  }
}
