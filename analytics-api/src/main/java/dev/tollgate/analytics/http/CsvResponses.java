package dev.tollgate.analytics.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Builds RFC 4180 CSV responses: a header line, CRLF line ends, and a field quoted (inner quotes
 * doubled) exactly when it holds a comma, a quote, CR or LF. Values are written as they are, so
 * the CSV holds the same data as the JSON (spreadsheet users: a value starting with {@code =} is
 * text in the data, see docs/bi.md).
 *
 * <p>Stateless and thread-safe.
 */
final class CsvResponses {

  static final String CONTENT_TYPE = "text/csv; charset=utf-8; header=present";

  private CsvResponses() {}

  static FullHttpResponse csv(String filename, List<String> header, List<List<String>> rows) {
    StringBuilder out = new StringBuilder();
    line(out, header);
    for (List<String> row : rows) {
      line(out, row);
    }
    ByteBuf buf = Unpooled.copiedBuffer(out, StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, buf);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
        .set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + filename + "\"")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes())
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return response;
  }

  static void line(StringBuilder out, List<String> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      field(out, fields.get(i));
    }
    out.append("\r\n");
  }

  static void field(StringBuilder out, String value) {
    if (value == null) {
      return;
    }
    boolean quote = false;
    for (int i = 0; i < value.length() && !quote; i++) {
      char c = value.charAt(i);
      quote = c == ',' || c == '"' || c == '\r' || c == '\n';
    }
    if (!quote) {
      out.append(value);
      return;
    }
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"') {
        out.append('"');
      }
      out.append(c);
    }
    out.append('"');
  }
}
