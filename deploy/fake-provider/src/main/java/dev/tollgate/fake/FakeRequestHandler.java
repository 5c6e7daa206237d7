package dev.tollgate.fake;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives each whole request, records it, parses the control headers, waits the requested delay
 * and hands it to the protocol that claims it.
 *
 * <p>One instance per channel; runs on the channel's event loop.
 */
final class FakeRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(FakeRequestHandler.class);

  private final List<Protocol> protocols;
  private final RequestLog requestLog;

  FakeRequestHandler(List<Protocol> protocols, RequestLog requestLog) {
    this.protocols = protocols;
    this.requestLog = requestLog;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    long start = System.nanoTime();
    if (request.decoderResult().isFailure()) {
      LOG.debug("unparseable request, closing: cause={}", request.decoderResult().cause().toString());
      ctx.close();
      return;
    }
    // One request at a time per connection: a pipelined request waits until this one is answered.
    ctx.channel().config().setAutoRead(false);
    byte[] body = ByteBufUtil.getBytes(request.content());
    HttpHeaders headers = request.headers().copy();
    if (requestLog.enabled()) {
      requestLog.add(new RecordedRequest(request.method().name(), request.uri(), headers.entries(), body));
    }

    Exchange exchange = new Exchange(ctx, request.method().name(), request.uri(), headers, body, start);
    Protocol protocol = protocols.stream().filter(p -> p.claims(exchange)).findFirst().orElseThrow();
    Controls controls;
    try {
      controls = Controls.parse(headers);
    } catch (IllegalArgumentException e) {
      protocol.rejectControls(exchange, e.getMessage());
      return;
    }
    exchange.controls(controls);
    if (controls.delayMs() > 0) {
      ctx.executor().schedule(() -> serve(ctx, protocol, exchange), controls.delayMs(), TimeUnit.MILLISECONDS);
    } else {
      serve(ctx, protocol, exchange);
    }
  }

  private static void serve(ChannelHandlerContext ctx, Protocol protocol, Exchange exchange) {
    if (ctx.channel().isActive()) {
      protocol.serve(exchange);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Clients reset connections all the time (cancelled streams); that is not worth more than debug.
    LOG.debug("connection error, closing: remote={}, cause={}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
