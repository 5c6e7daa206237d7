package dev.tollgate.edge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AttributionTest {

  @Test
  void readsAttributionHeadersAndFallsBackToTheDefaultTenant() {
    HttpHeaders headers = new DefaultHttpHeaders()
        .add("X-Tollgate-User", "u-1").add("X-Tollgate-Team", "search").add("X-Tollgate-Service", "ranker")
        .add("X-Tollgate-Environment", "prod").add("X-Tollgate-Tags", "feature=summary, ab = b ");

    Attribution attribution = Attribution.from(headers, "acme");

    assertThat(attribution.tenant()).isEqualTo("acme");
    assertThat(attribution.user()).isEqualTo("u-1");
    assertThat(attribution.team()).isEqualTo("search");
    assertThat(attribution.service()).isEqualTo("ranker");
    assertThat(attribution.environment()).isEqualTo("prod");
    assertThat(attribution.tags()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("feature", "summary", "ab", "b"));
    assertThat(Attribution.from(new DefaultHttpHeaders().add("X-Tollgate-Tenant", "t2"), "acme").tenant()).isEqualTo("t2");
  }

  @Test
  void dropsMalformedAndOversizedTags() {
    String header = "ok=1,noequals,=empty-key," + "k".repeat(65) + "=v,long=" + "v".repeat(257)
        + ",maxkey" + "k".repeat(58) + "=x,maxvalue=" + "v".repeat(256) + ",ok=duplicate";

    Attribution.TagParse parsed = Attribution.parseTags(header);

    assertThat(parsed.tags()).containsOnlyKeys("ok", "maxkey" + "k".repeat(58), "maxvalue");
    assertThat(parsed.tags()).containsEntry("ok", "1");
    assertThat(parsed.dropped()).isEqualTo(5);
  }

  @Test
  void keepsAtMostTwentyTags() {
    String header = IntStream.range(0, 25).mapToObj(i -> "k" + i + "=v").collect(Collectors.joining(","));

    Attribution.TagParse parsed = Attribution.parseTags(header);

    assertThat(parsed.tags()).hasSize(20).containsKey("k19").doesNotContainKey("k20");
    assertThat(parsed.dropped()).isEqualTo(5);
  }

  @Test
  void readsTraceAndSpanFromAValidTraceparentOnly() {
    Attribution valid = Attribution.from(new DefaultHttpHeaders()
        .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), "t");
    Attribution zero = Attribution.from(new DefaultHttpHeaders()
        .add("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "t");
    Attribution garbage = Attribution.from(new DefaultHttpHeaders().add("traceparent", "nonsense"), "t");

    assertThat(valid.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(valid.spanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(zero.traceId()).isNull();
    assertThat(garbage.traceId()).isNull();
  }
}
