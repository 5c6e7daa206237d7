package dev.tollgate.edge.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;

/**
 * Slow-client protection for one connection, as nginx's {@code client_header_timeout} and
 * {@code client_body_timeout}: a request's headers must be complete within the header timeout of
 * its first byte (or of the connection's opening), its body within the body timeout of the
 * headers, and a kept-alive connection may sit idle between requests for the idle timeout. A
 * header or idle timeout closes the connection; a body timeout is passed to the request receiver
 * as {@link #BODY_TIMEOUT} so the exchange ends with a 408 and its event is recorded.
 *
 * <p>Two handlers share the state: {@link #bytesWatcher()} before the HTTP codec sees the first
 * byte of each request, {@link #messagesWatcher()} after it sees the decoded request, its last
 * body part and the end of the response.
 *
 * <p>A call passes through three timed states: a state change moves one {@link MovingDeadline}
 * rather than scheduling and cancelling a task each time.
 *
 * <p>Confined to the connection's event loop.
 */
final class ClientTimeouts {

  /** The user event fired when a request body did not arrive in time. */
  static final Object BODY_TIMEOUT = new Object() {
    @Override
    public String toString() {
      return "client body timeout";
    }
  };

  private enum State { HEADERS, BODY, EXCHANGE, IDLE }

  private final long headerNanos;
  private final long bodyNanos;
  private final long idleNanos;
  private State state = State.HEADERS;
  /** The handler context that entered the current timed state (null: no timeout pending). */
  private ChannelHandlerContext deadlineCtx;
  /** Made on the connection's first state, on its event loop. */
  private MovingDeadline deadline;
  private ChannelFutureListener responseWritten;

  ClientTimeouts(Duration header, Duration body, Duration idle) {
    this.headerNanos = header.toNanos();
    this.bodyNanos = body.toNanos();
    this.idleNanos = idle.toNanos();
  }

  /** Goes before the codec: the first byte of an idle connection starts the header timeout. */
  ChannelInboundHandlerAdapter bytesWatcher() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        enter(ctx, State.HEADERS);
        ctx.fireChannelActive();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.IDLE && msg instanceof ByteBuf buf && buf.isReadable()) {
          enter(ctx, State.HEADERS);
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
      }
    };
  }

  /** Goes after the codec: headers in, body in, response out. */
  ChannelDuplexHandler messagesWatcher() {
    return new ChannelDuplexHandler() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && state == State.HEADERS) {
          enter(ctx, State.BODY);
        }
        if (msg instanceof LastHttpContent && state == State.BODY) {
          enter(ctx, State.EXCHANGE);
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof LastHttpContent) {
          // The response is complete: the connection is idle until the next request's first byte.
          promise = promise.unvoid();
          if (responseWritten == null) {
            responseWritten = f -> {
              if (f.isSuccess() && f.channel().isActive() && state == State.EXCHANGE) {
                enter(ctx, State.IDLE);
              }
            };
          }
          promise.addListener(responseWritten);
        }
        ctx.write(msg, promise);
      }
    };
  }

  private void enter(ChannelHandlerContext ctx, State next) {
    state = next;
    long nanos = switch (next) {
      case HEADERS -> headerNanos;
      case BODY -> bodyNanos;
      case IDLE -> idleNanos;
      case EXCHANGE -> 0; // the upstream timeouts govern the exchange itself
    };
    if (deadline == null) {
      // Checked at least every shortest timeout: the move from the idle timeout to the shorter
      // header timeout, once per request, then finds the check already earlier and reschedules nothing.
      deadline = new MovingDeadline(ctx.executor(), this::expire, shortest(headerNanos, bodyNanos, idleNanos));
    }
    if (nanos <= 0) {
      deadlineCtx = null;
      deadline.disarm(); // a pending check finds nothing to expire and is not renewed
      return;
    }
    deadlineCtx = ctx;
    deadline.arm(nanos);
  }

  private static long shortest(long... timeouts) {
    long shortest = Long.MAX_VALUE;
    for (long nanos : timeouts) {
      if (nanos > 0) {
        shortest = Math.min(shortest, nanos);
      }
    }
    return shortest;
  }

  private void expire() {
    ChannelHandlerContext ctx = deadlineCtx;
    deadlineCtx = null;
    if (ctx == null || !ctx.channel().isActive()) {
      return;
    }
    if (state == State.BODY) {
      state = State.EXCHANGE;
      ctx.fireUserEventTriggered(BODY_TIMEOUT);
    } else {
      ctx.close();
    }
  }

  /** The connection closed: nothing more times out. */
  private void cancel() {
    deadlineCtx = null;
    if (deadline != null) {
      deadline.cancel();
    }
  }
}
