package dev.tollgate.analytics.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Builds JSON responses, including the error shape {@code {"error":{"type","message"}}}. Decimals
 * are written in plain notation ({@code 1000}, never {@code 1E+3}).
 *
 * <p>Stateless and thread-safe.
 */
final class JsonResponses {

  static final JsonFactory JSON = JsonFactory.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  /** Writes a JSON document. */
  interface Body {
    void write(JsonGenerator json) throws IOException;
  }

  private JsonResponses() {}

  static FullHttpResponse json(HttpResponseStatus status, Body body) {
    ByteBuf buf = Unpooled.buffer();
    try (JsonGenerator json = JSON.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
      body.write(json);
    } catch (IOException e) {
      buf.release();
      throw new UncheckedIOException(e);
    }
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes())
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return response;
  }

  static FullHttpResponse error(HttpResponseStatus status, String type, String message) {
    return json(status, json -> {
      json.writeStartObject();
      json.writeObjectFieldStart("error");
      json.writeStringField("type", type);
      json.writeStringField("message", message);
      json.writeEndObject();
      json.writeEndObject();
    });
  }

  static FullHttpResponse error(ApiException e) {
    return error(e.status(), e.type(), e.getMessage());
  }
}
