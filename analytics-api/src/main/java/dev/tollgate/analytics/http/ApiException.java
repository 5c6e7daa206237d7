package dev.tollgate.analytics.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the API refuses, with the status and the {@code {"error":{"type","message"}}} it is
 * answered with. The message goes to the client, so it never holds internals.
 *
 * <p>Immutable.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final String type;

  ApiException(HttpResponseStatus status, String type, String message) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
  }

  static ApiException badParameter(String message) {
    return new ApiException(HttpResponseStatus.BAD_REQUEST, "invalid_parameter", message);
  }

  static ApiException forbidden(String message) {
    return new ApiException(HttpResponseStatus.FORBIDDEN, "forbidden", message);
  }

  HttpResponseStatus status() {
    return status;
  }

  String type() {
    return type;
  }
}
