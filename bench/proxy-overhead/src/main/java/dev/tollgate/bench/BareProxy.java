package dev.tollgate.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * The floor under the edge's CPU per call: an HTTP/1.1 reverse proxy with nothing but Netty's
 * codecs, on the edge's transport (epoll, one event loop per core). Each client connection gets its
 * own upstream connection on the same event loop; decoded messages are passed on as they arrive,
 * with {@code X-Tollgate-*} attribution headers removed, and nothing is parsed, timed or recorded.
 * Not a product: no timeouts, limits, pooling across connections or error handling.
 *
 * <p>{@code BareProxy PORT UPSTREAM_PORT} (upstream on 127.0.0.1). Measure it with {@link
 * OpenLoopLoad} as the edge is measured (README.md, "Edge CPU and allocation per call").
 */
public final class BareProxy {

  private BareProxy() {}

  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    int upstreamPort = Integer.parseInt(args[1]);
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
        EpollIoHandler.newFactory());
    new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel client) {
            client.pipeline().addLast(new HttpServerCodec(), new Front(upstreamPort));
          }
        })
        .bind("127.0.0.1", port).sync().channel().closeFuture().sync();
  }

  /** One client connection and its upstream connection. Confined to their event loop. */
  private static final class Front extends ChannelInboundHandlerAdapter {
    private final int upstreamPort;
    private final ArrayDeque<Object> beforeConnected = new ArrayDeque<>();
    private Channel upstream;
    private boolean connected;

    Front(int upstreamPort) {
      this.upstreamPort = upstreamPort;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      ChannelFuture connect = new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
              c.pipeline().addLast(new HttpClientCodec(), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext upstreamCtx, Object msg) {
                  forward(client, msg);
                }
              });
            }
          })
          .connect("127.0.0.1", upstreamPort);
      upstream = connect.channel();
      connect.addListener(f -> {
        if (!f.isSuccess()) {
          client.close();
          return;
        }
        connected = true;
        for (Object msg; (msg = beforeConnected.poll()) != null; ) {
          forward(upstream, msg);
        }
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest request) {
        for (String name : request.headers().names()) { // a copy: safe to remove from the headers
          if (name.regionMatches(true, 0, "x-tollgate-", 0, 11)) {
            request.headers().remove(name);
          }
        }
      }
      if (connected) {
        forward(upstream, msg);
      } else {
        beforeConnected.add(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      upstream.close();
    }

    /** Writes a message on, flushing at the end of each request or response. */
    private static void forward(Channel to, Object msg) {
      if (msg instanceof LastHttpContent) {
        to.writeAndFlush(msg);
      } else {
        to.write(msg);
      }
    }
  }
}
