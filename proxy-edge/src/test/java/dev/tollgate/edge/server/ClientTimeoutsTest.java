package dev.tollgate.edge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientTimeoutsTest {

  private final List<Object> events = new ArrayList<>();

  private EmbeddedChannel channel(Duration header, Duration body, Duration idle) {
    ClientTimeouts timeouts = new ClientTimeouts(header, body, idle);
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(timeouts.bytesWatcher(), timeouts.messagesWatcher(), new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
      }
    });
    channel.pipeline().fireChannelActive(); // handlers added after registration: start the header timeout
    return channel;
  }

  private static void advance(EmbeddedChannel channel, long millis) {
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  private static void request(EmbeddedChannel channel) {
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'P'}));
    channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/openai/v1/chat/completions"));
  }

  @Test
  void firesTheBodyTimeoutAtItsDeadlineWhenItEndsAfterTheHeaderTimeout() {
    EmbeddedChannel channel = channel(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5));
    advance(channel, 500);
    request(channel); // body deadline at 2.5 s, after the check pending for the headers at 1 s

    advance(channel, 600);
    assertThat(events).isEmpty();
    advance(channel, 1_300);
    assertThat(events).isEmpty();
    advance(channel, 200);

    assertThat(events).containsExactly(ClientTimeouts.BODY_TIMEOUT);
    assertThat(channel.isActive()).isTrue(); // the receiver answers 408 and closes
  }

  @Test
  void closesAConnectionWhoseHeadersComeTooLateEvenWhenAnIdleCheckIsPendingLater() {
    EmbeddedChannel channel = channel(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(10));
    request(channel);
    channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
    channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT); // the response ends: idle for up to 10 s
    advance(channel, 4_000);
    assertThat(channel.isActive()).isTrue();

    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'P'})); // a new request starts, its headers never end
    advance(channel, 900);
    assertThat(channel.isActive()).isTrue();
    advance(channel, 200);

    assertThat(channel.isActive()).isFalse();
    assertThat(events).isEmpty();
  }

  @Test
  void closesAConnectionIdleForTheIdleTimeoutAndNotBefore() {
    EmbeddedChannel channel = channel(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3));
    request(channel);
    channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
    advance(channel, 5_000); // an exchange has no client timeout: the upstream timeouts govern it
    assertThat(channel.isActive()).isTrue();
    channel.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);

    advance(channel, 2_900);
    assertThat(channel.isActive()).isTrue();
    advance(channel, 200);

    assertThat(channel.isActive()).isFalse();
  }
}
