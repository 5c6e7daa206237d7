package dev.tollgate.analytics.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.analytics.auth.TokenAuthenticator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class ClientRequestReceiverTest {

  private final ApiDispatcher dispatcher = new ApiDispatcher(List.of(
      new ApiDispatcher.Route(HttpMethod.GET, "/a", request -> JsonResponses.error(HttpResponseStatus.OK, "a", "a")),
      new ApiDispatcher.Route(HttpMethod.GET, "/b", request -> JsonResponses.error(HttpResponseStatus.OK, "b", "b"))),
      new TokenAuthenticator(List.of()));

  @Test
  void answersPipelinedRequestsInOrderOneAtATimeAndPausesReadingMeanwhile() {
    ArrayDeque<Runnable> queries = new ArrayDeque<>();
    EmbeddedChannel channel = new EmbeddedChannel(new ClientRequestReceiver(dispatcher, queries::add));

    FullHttpRequest first = get("/a");
    FullHttpRequest second = get("/b");
    channel.writeInbound(first, second);

    assertThat(queries).as("the second waits for the first").hasSize(1);
    assertThat(channel.config().isAutoRead()).isFalse();
    queries.poll().run();
    channel.runPendingTasks();
    assertThat(body(channel.readOutbound())).contains("\"type\":\"a\"");
    assertThat(queries).hasSize(1);
    queries.poll().run();
    channel.runPendingTasks();
    assertThat(body(channel.readOutbound())).contains("\"type\":\"b\"");
    assertThat(channel.config().isAutoRead()).isTrue();
    assertThat(first.refCnt()).isZero();
    assertThat(second.refCnt()).isZero();
    channel.finishAndReleaseAll();
  }

  @Test
  void answers503WhenTheQueryExecutorIsFull() {
    EmbeddedChannel channel = new EmbeddedChannel(new ClientRequestReceiver(dispatcher, task -> {
      throw new RejectedExecutionException("full");
    }));

    channel.writeInbound(get("/a"));

    FullHttpResponse response = channel.readOutbound();
    assertThat(response.status()).isEqualTo(HttpResponseStatus.SERVICE_UNAVAILABLE);
    response.release();
    channel.finishAndReleaseAll();
  }

  @Test
  void releasesQueuedRequestsWhenTheClientGoes() {
    ArrayDeque<Runnable> queries = new ArrayDeque<>();
    EmbeddedChannel channel = new EmbeddedChannel(new ClientRequestReceiver(dispatcher, queries::add));
    FullHttpRequest queued = get("/b");

    channel.writeInbound(get("/a"), queued);
    channel.close();

    assertThat(queued.refCnt()).isZero();
  }

  private static FullHttpRequest get(String uri) {
    return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
  }

  private static String body(FullHttpResponse response) {
    try {
      return response.content().toString(StandardCharsets.UTF_8);
    } finally {
      response.release();
    }
  }
}
