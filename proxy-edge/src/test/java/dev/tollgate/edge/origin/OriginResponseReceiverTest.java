package dev.tollgate.edge.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OriginResponseReceiverTest {

  private static final long IDLE_MILLIS = 1_000;

  private final List<Object> messages = new ArrayList<>();
  private final OriginListener listener = new OriginListener() {
    @Override
    public void onOriginMessage(Object message) {
      messages.add(message);
    }

    @Override
    public void onOriginReadComplete() {}

    @Override
    public void onOriginClosed(Throwable cause) {
      messages.add("closed");
    }
  };

  private final OriginResponseReceiver receiver = new OriginResponseReceiver(TimeUnit.MILLISECONDS.toNanos(IDLE_MILLIS));

  private EmbeddedChannel channel() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(receiver);
    return channel;
  }

  private static void advance(EmbeddedChannel channel, long millis) {
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  private static void assertClosedExactlyAfterTheIdleTimeout(EmbeddedChannel channel) {
    advance(channel, IDLE_MILLIS - 1);
    assertThat(channel.isActive()).isTrue();
    advance(channel, 1);
    assertThat(channel.isActive()).isFalse();
  }

  @Test
  void closesAPooledConnectionOnceItHasIdledForTheTimeout() {
    EmbeddedChannel channel = channel();
    receiver.attach(listener);
    receiver.detach();

    assertClosedExactlyAfterTheIdleTimeout(channel);
  }

  @Test
  void neverClosesAConnectionWhileAnExchangeHoldsIt() {
    EmbeddedChannel channel = channel();
    receiver.detach();
    advance(channel, IDLE_MILLIS / 2);
    receiver.attach(listener); // taken from the pool before its timeout

    advance(channel, 10 * IDLE_MILLIS);
    assertThat(channel.isActive()).isTrue();
    assertThat(messages).isEmpty();
  }

  @Test
  void countsTheIdleTimeFromTheLatestReturnToThePool() {
    EmbeddedChannel channel = channel();
    receiver.detach();
    advance(channel, IDLE_MILLIS / 2);
    receiver.attach(listener);
    receiver.detach();

    assertClosedExactlyAfterTheIdleTimeout(channel);
  }

  @Test
  void closesAnIdleConnectionThatReceivesBytes() {
    EmbeddedChannel channel = channel();
    receiver.detach();

    channel.writeInbound("unexpected");
    assertThat(channel.isActive()).isFalse();
    assertThat(messages).isEmpty();
  }
}
