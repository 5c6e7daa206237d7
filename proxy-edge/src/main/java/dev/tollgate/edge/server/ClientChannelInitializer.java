package dev.tollgate.edge.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;

/**
 * Builds the client-side pipeline, in pipeline order: slow-client timeouts around the HTTP codec,
 * {@code Expect: 100-continue} answer, then the request receiver that drives the proxying.
 *
 * <p>Thread-safe: shared by every accepted connection.
 */
final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {

  static final String BYTES_TIMEOUT = "client-bytes-timeout";
  static final String CODEC = "client-codec";
  static final String MESSAGES_TIMEOUT = "client-messages-timeout";
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
    ClientTimeouts timeouts = new ClientTimeouts(edge.config.clientHeaderTimeout(), edge.config.clientBodyTimeout(),
        edge.config.clientIdleTimeout());
    pipeline.addLast(BYTES_TIMEOUT, timeouts.bytesWatcher());
    pipeline.addLast(CODEC, new HttpServerCodec(new HttpDecoderConfig()
        .setMaxInitialLineLength(16 * 1024)
        .setMaxHeaderSize(edge.config.maxHeaderBytes())
        .setMaxChunkSize(64 * 1024)));
    pipeline.addLast(MESSAGES_TIMEOUT, timeouts.messagesWatcher());
    pipeline.addLast(EXPECT_CONTINUE, new HttpServerExpectContinueHandler());
  }

  private void addProxyHandlers(ChannelPipeline pipeline) {
    pipeline.addLast(REQUEST_RECEIVER, new ClientRequestReceiver(edge));
  }
}
