package dev.tollgate.edge.origin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of an origin connection: passes response parts to the exchange the connection
 * currently serves; while the connection idles in the pool, any data or an idle timeout closes it.
 *
 * <p>Used only on the connection's event loop.
 */
public final class OriginResponseReceiver extends ChannelInboundHandlerAdapter {

  private OriginListener listener;

  /** Binds the connection to {@code listener} until {@link #detach()}. */
  public void attach(OriginListener listener) {
    this.listener = listener;
  }

  public void detach() {
    this.listener = null;
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

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && listener == null) {
      ctx.close();
    } else {
      ReferenceCountUtil.release(evt);
    }
  }
}
