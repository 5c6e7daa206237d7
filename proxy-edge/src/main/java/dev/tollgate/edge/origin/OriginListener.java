package dev.tollgate.edge.origin;

/**
 * The exchange an origin connection currently serves. Called on the connection's event loop,
 * which is also the client's.
 */
public interface OriginListener {

  /** A decoded response part ({@code HttpResponse} or {@code HttpContent}); the listener owns it. */
  void onOriginMessage(Object message);

  /**
   * The connection's current read ended: every part it decoded was passed on. What was written
   * to the client meanwhile without a flush is flushed now.
   */
  default void onOriginReadComplete() {}

  /** The connection closed or failed ({@code cause} null for a plain close) while serving this exchange. */
  void onOriginClosed(Throwable cause);
}
