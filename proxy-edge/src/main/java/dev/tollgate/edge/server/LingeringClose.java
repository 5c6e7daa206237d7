package dev.tollgate.edge.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection after its last response without losing that response. Closing a
 * socket whose receive buffer still holds unread bytes (the rest of a refused 413 body, say) makes
 * the kernel send a reset, and a client still sending its body then sees "connection reset" instead
 * of the answer. So, as nginx's lingering close: shut the output down (the client reads the answer
 * and end of stream), read and discard whatever else arrives, and close when the client does or
 * after {@link #LINGER_MILLIS}.
 *
 * <p>Called on the channel's event loop once the response is flushed.
 */
final class LingeringClose {

  /** How long a closing connection's input is drained at most. */
  static final long LINGER_MILLIS = 2_000;

  private LingeringClose() {}

  static void close(Channel channel) {
    if (!(channel instanceof DuplexChannel duplex) || !channel.isActive()) {
      channel.close();
      return;
    }
    // First in the pipeline: nothing read from now on reaches the codec, while the other handlers
    // stay to see the connection close as usual.
    channel.pipeline().addFirst(Discard.INSTANCE);
    channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    duplex.shutdownOutput().addListener(f -> {
      if (!f.isSuccess()) {
        channel.close();
      }
    });
    channel.config().setAutoRead(true);
  }

  /**
   * Drops every inbound byte. The connection closes when the client closes its side (half-closure
   * is off, so end of stream closes the channel) or at the deadline.
   */
  @ChannelHandler.Sharable
  private static final class Discard extends ChannelInboundHandlerAdapter {
    static final Discard INSTANCE = new Discard();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
