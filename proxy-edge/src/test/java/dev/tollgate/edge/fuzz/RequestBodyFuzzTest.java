package dev.tollgate.edge.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.tollgate.edge.provider.Bodies;
import dev.tollgate.edge.provider.RequestBodySniffer;
import dev.tollgate.edge.provider.StreamUsageInjection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The request body on its way upstream: {@link RequestBodySniffer} reads the same model, stream
 * flag and tier whatever the read boundaries, and {@link StreamUsageInjection} rewrites only what
 * it must: a rewritten body is valid JSON exactly when the input was, and then differs from it
 * only in the top-level {@code stream_options}, which asks for usage.
 *
 * <p>The sniffer's split invariance is asserted for valid JSON only: jackson-core's non-blocking
 * parser accepts some malformed documents when a boundary falls inside the error (see
 * {@link AsyncJsonSplitRegressionTest}); such a body is rejected by the upstream anyway.
 *
 * <p>Input layout: bytes 1..3 seed the random split (byte 0 is unused); the rest is the body.
 */
final class RequestBodyFuzzTest {

  private record Sniffed(String model, boolean stream, String serviceTier) {}

  @FuzzTest(maxDuration = "15s")
  void sniffsAndRewritesOnlyWhatItMust(byte[] input) throws IOException {
    if (input.length < 4) {
      return;
    }
    byte[] body = Arrays.copyOfRange(input, 4, input.length);
    List<List<byte[]>> splits = Chunks.splits(body, Chunks.seed(input));
    Sniffed whole = sniff(splits.get(0));
    assertThat(whole.model() == null || (!whole.model().isEmpty() && whole.model().length() <= 256)).isTrue();
    if (JsonDocuments.isValid(body)) { // malformed JSON: see AsyncJsonSplitRegressionTest
      for (List<byte[]> split : splits.subList(1, splits.size())) {
        assertThat(sniff(split)).isEqualTo(whole);
      }
    }

    byte[] rewritten = StreamUsageInjection.rewrite(body);
    if (rewritten != null) {
      // Valid iff the input was: a string the rewrite skips may hold invalid UTF-8, which it passes on as is.
      boolean valid = JsonDocuments.isValid(body);
      assertThat(JsonDocuments.isValid(rewritten)).as("output valid: %s", new String(rewritten, StandardCharsets.ISO_8859_1))
          .isEqualTo(valid);
      if (valid) {
        assertThat(JsonDocuments.tokens(rewritten, true)).as("only stream_options changed").isEqualTo(JsonDocuments.tokens(body, true));
        assertThat(lastIncludeUsage(rewritten)).as("include_usage of the last stream_options").isEqualTo(JsonToken.VALUE_TRUE);
      }
    }
  }

  private static Sniffed sniff(List<byte[]> chunks) {
    RequestBodySniffer sniffer = new RequestBodySniffer();
    Bodies.deliver(Bodies.wrapped(chunks), sniffer::onBody, sniffer::onLastBody);
    return new Sniffed(sniffer.model(), sniffer.stream(), sniffer.serviceTier());
  }

  /** The value token of {@code include_usage} in the last top-level {@code stream_options}, last key winning. */
  private static JsonToken lastIncludeUsage(byte[] json) throws IOException {
    JsonToken result = null;
    try (JsonParser p = JsonDocuments.JSON.createParser(json)) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("stream_options")) {
          result = null;
          if (value == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String inner = p.currentName();
              JsonToken innerValue = p.nextToken();
              if (inner.equals("include_usage")) {
                result = innerValue;
              }
              p.skipChildren();
            }
            continue;
          }
        }
        p.skipChildren();
      }
    }
    return result;
  }
}
