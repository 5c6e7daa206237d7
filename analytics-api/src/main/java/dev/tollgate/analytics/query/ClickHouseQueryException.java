package dev.tollgate.analytics.query;

/** A ClickHouse read failed or timed out; its message may hold SQL, so it is logged, never returned. */
public final class ClickHouseQueryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ClickHouseQueryException(String message, Throwable cause) {
    super(message, cause);
  }
}
