package dev.tollgate.fake;

import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Gzips non-stream JSON responses when the client accepts gzip, as the real APIs' front ends do,
 * so a proxy's usage extraction meets compressed bodies in tests; event streams stay uncompressed.
 *
 * <p>One instance per channel.
 */
final class ResponseCompressor extends HttpContentCompressor {

  ResponseCompressor() {
    super(0, StandardCompressionOptions.gzip(), StandardCompressionOptions.deflate());
  }

  @Override
  protected Result beginEncode(HttpResponse response, String acceptEncoding) throws Exception {
    String contentType = response.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (contentType != null && contentType.startsWith("text/event-stream")) {
      return null;
    }
    return super.beginEncode(response, acceptEncoding);
  }
}
