package dev.tollgate.edge.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.edge.provider.StreamUsageInjection;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for {@link StreamUsageInjection} from the invariants of
 * {@link RequestBodyFuzzTest}: a rewrite is valid JSON, and the {@code stream_options} an upstream
 * reads (the last one) asks for usage.
 */
class StreamUsageInjectionRegressionTest {

  @Test
  void switchesAFalseOrNullIncludeUsageToTrue() {
    assertThat(rewrite("{\"stream\":true,\"stream_options\":{\"include_usage\":false}}"))
        .isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(rewrite("{\"stream\":true,\"stream_options\":{\"include_usage\":null,\"x\":1}}"))
        .isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true,\"x\":1}}");
  }

  /** Found by the fuzzer: Jackson skips an unread string without decoding it, so invalid UTF-8 passes. */
  @Test
  void passesInvalidUtf8InAnUnreadStringOnAsIs() {
    byte[] body = concat("{\"stream\":true,\"x\":\"", new byte[] {(byte) 0xed, (byte) 0xad, (byte) 0x9d}, "\"}");

    byte[] rewritten = StreamUsageInjection.rewrite(body);

    assertThat(JsonDocuments.isValid(body)).isFalse();
    assertThat(rewritten).isEqualTo(concat("{\"stream_options\":{\"include_usage\":true},\"stream\":true,\"x\":\"",
        new byte[] {(byte) 0xed, (byte) 0xad, (byte) 0x9d}, "\"}"));
  }

  @Test
  void replacesAStringIncludeUsageWhole() {
    String rewritten = rewrite("{\"stream\":true,\"stream_options\":{\"include_usage\":\"no\"}}");

    assertThat(JsonDocuments.isValid(rewritten.getBytes(StandardCharsets.UTF_8))).as(rewritten).isTrue();
    assertThat(rewritten).isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
  }

  @Test
  void replacesAContainerIncludeUsageWhole() {
    String rewritten = rewrite("{\"stream\":true,\"stream_options\":{\"include_usage\":{\"a\":1}}}");

    assertThat(JsonDocuments.isValid(rewritten.getBytes(StandardCharsets.UTF_8))).as(rewritten).isTrue();
    assertThat(rewritten).isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
  }

  @Test
  void asksForUsageInTheLastOfDuplicateStreamOptions() {
    assertThat(rewrite("{\"stream\":true,\"stream_options\":{\"include_usage\":false},\"stream_options\":{}}"))
        .isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":false},\"stream_options\":{\"include_usage\":true}}");
  }

  private static String rewrite(String body) {
    byte[] out = StreamUsageInjection.rewrite(body.getBytes(StandardCharsets.UTF_8));
    return out == null ? null : new String(out, StandardCharsets.UTF_8);
  }

  private static byte[] concat(String head, byte[] middle, String tail) {
    byte[] a = head.getBytes(StandardCharsets.US_ASCII);
    byte[] c = tail.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[a.length + middle.length + c.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(middle, 0, out, a.length, middle.length);
    System.arraycopy(c, 0, out, a.length + middle.length, c.length);
    return out;
  }
}
