package dev.tollgate.edge.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

/**
 * Builds the client-side pipeline, in pipeline order: HTTP codec, {@code Expect: 100-continue}
 * answer, then the request receiver that drives the proxying.
 *
 * <p>Thread-safe: shared by every accepted connection.
 */
final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {

  static final String CODEC = "client-codec";
  static final String EXPECT_CONTINUE = "client-expect-continue";
  static final String REQUEST_RECEIVER = "client-request-receiver";

  private final EdgeContext edge;
  private final ChannelGroup channels;

  ClientChannelInitializer(EdgeContext edge, ChannelGroup channels) {
    this.edge = edge;
    this.channels = channels;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    channels.add(ch);
    ChannelPipeline pipeline = ch.pipeline();
    addCodecHandlers(pipeline);
    addProxyHandlers(pipeline);
  }

  private void addCodecHandlers(ChannelPipeline pipeline) {
    pipeline.addLast(CODEC, new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(16 * 1024)
        .setMaxHeaderSize(64 * 1024)
        .setMaxChunkSize(64 * 1024)));
    pipeline.addLast(EXPECT_CONTINUE, new HttpServerExpectContinueHandler());
  }

  private void addProxyHandlers(ChannelPipeline pipeline) {
    pipeline.addLast(REQUEST_RECEIVER, new ClientRequestReceiver(edge));
  }
}
