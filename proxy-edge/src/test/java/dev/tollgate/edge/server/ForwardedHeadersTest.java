package dev.tollgate.edge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {

  private static HttpHeaders clientHeaders() {
    return new DefaultHttpHeaders()
        .add("Host", "127.0.0.1:8080")
        .add("Authorization", "Bearer sk-1")
        .add("x-api-key", "sk-2")
        .add("Content-Type", "application/json")
        .add("Content-Length", "12")
        .add("Connection", "keep-alive, X-Custom-Hop")
        .add("X-Custom-Hop", "1")
        .add("Keep-Alive", "timeout=5")
        .add("TE", "trailers")
        .add("Trailer", "x")
        .add("Transfer-Encoding", "chunked")
        .add("Upgrade", "h2c")
        .add("Proxy-Authorization", "Basic x")
        .add("Proxy-Connection", "keep-alive")
        .add("X-Tollgate-Team", "search")
        .add("x-tollgate-tags", "a=b")
        .add("OpenAI-Organization", "org-1")
        .add("Accept", "text/event-stream")
        .add("Accept", "application/json");
  }

  @Test
  void stripsHopByHopAndTollgateHeadersAndSetsTheUpstreamHost() {
    HttpHeaders out = ForwardedHeaders.toUpstream(clientHeaders(), "api.openai.com");

    assertThat(out.names()).containsExactlyInAnyOrder(
        "host", "Authorization", "x-api-key", "Content-Type", "Content-Length", "OpenAI-Organization", "Accept");
    assertThat(out.get("host")).isEqualTo("api.openai.com");
    assertThat(out.get("Authorization")).isEqualTo("Bearer sk-1");
    assertThat(out.getAll("Accept")).containsExactly("text/event-stream", "application/json");
  }

  @Test
  void keepsTollgateLookingHeadersOnResponsesButStripsHopByHop() {
    HttpHeaders upstream = new DefaultHttpHeaders()
        .add("Content-Type", "text/event-stream")
        .add("Transfer-Encoding", "chunked")
        .add("Connection", "close")
        .add("x-request-id", "req_1")
        .add("retry-after-ms", "100");

    HttpHeaders out = ForwardedHeaders.toClient(upstream);

    assertThat(out.names()).containsExactlyInAnyOrder("Content-Type", "x-request-id", "retry-after-ms");
  }

  @Test
  void filtersInPlaceKeepingTheOrderAndSpellingOfWhatIsForwarded() {
    HttpHeaders client = clientHeaders();

    HttpHeaders out = ForwardedHeaders.toUpstream(client, "api.openai.com");

    assertThat(out).isSameAs(client);
    assertThat(out.iteratorCharSequence()).toIterable().extracting(h -> h.getKey() + ": " + h.getValue()).containsExactly(
        "Authorization: Bearer sk-1", "x-api-key: sk-2", "Content-Type: application/json", "Content-Length: 12",
        "OpenAI-Organization: org-1", "Accept: text/event-stream", "Accept: application/json", "host: api.openai.com");
  }
}
