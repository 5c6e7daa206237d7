package dev.tollgate.edge.origin;

import dev.tollgate.edge.server.MovingDeadline;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of an origin connection: passes response parts to the exchange the connection
 * currently serves; while the connection idles in the pool, any data or the idle timeout closes
 * it. The idle timeout runs only while no exchange is attached (the exchange's read timeout
 * governs the rest), so a call costs no timer work beyond moving one deadline.
 *
 * <p>Used only on the connection's event loop.
 */
public final class OriginResponseReceiver extends ChannelInboundHandlerAdapter {

  private final long idleNanos;
  private OriginListener listener;
  /** Made when the handler is added, on the connection's event loop. */
  private MovingDeadline idle;

  /** A receiver that closes its connection once it has been detached for {@code idleNanos}. */
  OriginResponseReceiver(long idleNanos) {
    this.idleNanos = idleNanos;
  }

  /** Binds the connection to {@code listener} until {@link #detach()}. */
  public void attach(OriginListener listener) {
    this.listener = listener;
    idle.disarm();
  }

  /**
   * Unbinds the connection: from now on it is idle, back in the pool or about to close, and
   * closes after the idle timeout unless attached again.
   */
  public void detach() {
    this.listener = null;
    idle.arm(idleNanos);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    idle = new MovingDeadline(ctx.executor(), () -> {
      if (listener == null) {
        ctx.close();
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    OriginListener current = listener;
    if (current == null) {
      ReferenceCountUtil.release(msg);
      ctx.close(); // bytes on an idle connection: the stream is out of step, never reuse it
      return;
    }
    current.onOriginMessage(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    OriginListener current = listener;
    if (current != null) {
      current.onOriginReadComplete();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    idle.cancel();
    OriginListener current = listener;
    listener = null;
    if (current != null) {
      current.onOriginClosed(null);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    OriginListener current = listener;
    listener = null;
    ctx.close();
    if (current != null) {
      current.onOriginClosed(cause);
    }
  }
}
