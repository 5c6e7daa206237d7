package dev.tollgate.analytics.http;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Classpath files served as they are: the dashboard (page, script, style, the bundled charting
 * library and its licence) and the OpenAPI document. Only the files named here exist, each with
 * its content type; they are read once at start-up. Every answer carries a strict
 * Content-Security-Policy (scripts, styles and fetches from this origin only; no inline code, no
 * frames, no plugins) and headers that stop sniffing and framing.
 *
 * <p>Immutable and thread-safe.
 */
final class StaticResources {

  /** The dashboard's policy: nothing from elsewhere, nothing inline, never framed. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final String ROOT = "/dev/tollgate/analytics/";

  /** A file: its bytes and content type. */
  record Resource(byte[] bytes, String contentType) {}

  private final Map<String, Resource> files;

  private StaticResources(Map<String, Resource> files) {
    this.files = Map.copyOf(files);
  }

  /** Loads {@code name -> content type} from the classpath under {@code dev/tollgate/analytics/}; a missing file fails start-up. */
  static StaticResources load(Map<String, String> contentTypes) {
    Map<String, Resource> files = new LinkedHashMap<>();
    contentTypes.forEach((name, type) -> files.put(name, new Resource(read(ROOT + name), type)));
    return new StaticResources(files);
  }

  /** A handler answering {@code name}, or the {@code {file}} path variable looked up under {@code folder}. */
  ApiHandler handler(String fixedName, String folder) {
    return request -> {
      String name = fixedName != null ? fixedName : folder + request.pathVariable("file");
      Resource resource = files.get(name);
      if (resource == null) {
        throw new ApiException(HttpResponseStatus.NOT_FOUND, "not_found", "no such resource: " + request.path());
      }
      return response(resource);
    };
  }

  byte[] bytes(String name) {
    return requireNonNull(files.get(name), name).bytes();
  }

  private static FullHttpResponse response(Resource resource) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.wrappedBuffer(resource.bytes()));
    HttpHeaders headers = response.headers();
    headers.set(HttpHeaderNames.CONTENT_TYPE, resource.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, resource.bytes().length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
        .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer")
        .set("Cross-Origin-Opener-Policy", "same-origin");
    return response;
  }

  private static byte[] read(String path) {
    try (InputStream in = StaticResources.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing classpath resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
