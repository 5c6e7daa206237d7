package dev.tollgate.edge.provider;

import io.netty.buffer.ByteBuf;

/**
 * Reads a response body as it streams past, on a copy of each chunk: the chunk itself is
 * forwarded untouched and neither its reader index nor its reference count is changed.
 *
 * <p>Not thread-safe: one observer per response, used from one event loop.
 */
public interface ResponseObserver {

  /** Ignores the body (an encoding or content type the edge does not read). */
  ResponseObserver NONE = new ResponseObserver() {
    @Override
    public void onBody(ByteBuf chunk) {}

    @Override
    public void onEnd() {}
  };

  /** The next body chunk; not retained after the call returns. */
  void onBody(ByteBuf chunk);

  /** The body ended (completely or not: the facts say what was seen). */
  void onEnd();

  /** The body's last chunk, then its end: as {@link #onBody} then {@link #onEnd}. */
  default void onLastBody(ByteBuf chunk) {
    onBody(chunk);
    onEnd();
  }
}
