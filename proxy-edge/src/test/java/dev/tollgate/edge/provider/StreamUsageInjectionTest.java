package dev.tollgate.edge.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamUsageInjectionTest {

  private static String rewrite(String body) {
    byte[] out = StreamUsageInjection.rewrite(body.getBytes(StandardCharsets.UTF_8));
    return out == null ? null : new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void addsStreamOptionsWhenTheClientSentNone() {
    assertThat(rewrite("{\"model\":\"m\",\"stream\":true,\"temperature\":1.50}"))
        .isEqualTo("{\"stream_options\":{\"include_usage\":true},\"model\":\"m\",\"stream\":true,\"temperature\":1.50}");
  }

  @Test
  void switchesOnAnIncludeUsageThatIsFalseOrMissing() {
    assertThat(rewrite("{\"stream\":true,\"stream_options\":{\"include_usage\":false}}"))
        .isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    assertThat(rewrite("{\"stream\":true,\"stream_options\":{\"include_obfuscation\":false}}"))
        .isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true,\"include_obfuscation\":false}}");
    assertThat(rewrite("{\"stream\":true,\"stream_options\":{ }}"))
        .isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true }}");
    assertThat(rewrite("{\"stream\":true,\"stream_options\":null}"))
        .isEqualTo("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
  }

  @Test
  void leavesEverythingElseUntouched() {
    assertThat(rewrite("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}")).isNull();
    assertThat(rewrite("{\"stream\":false,\"messages\":[]}")).isNull();
    assertThat(rewrite("{\"messages\":[{\"stream\":true}]}")).isNull(); // nested, not the request's flag
    assertThat(rewrite("{\"stream\":true,")).isNull(); // malformed: forwarded as sent
    assertThat(rewrite("[1,2]")).isNull();
    assertThat(rewrite("{\"stream\":true} trailing")).isNull();
  }

  private static String filterInPieces(String stream, int pieceSize) {
    UsageChunkFilter filter = new UsageChunkFilter();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += pieceSize) {
      ByteBuf piece = Unpooled.wrappedBuffer(bytes, i, Math.min(pieceSize, bytes.length - i));
      ByteBuf forward = filter.filter(piece, ByteBufAllocator.DEFAULT);
      if (forward != null) {
        out.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(forward));
        forward.release();
      }
    }
    ByteBuf rest = filter.flush(ByteBufAllocator.DEFAULT);
    if (rest != null) {
      out.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(rest));
      rest.release();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void removesOnlyTheUsageOnlyChunkWhereverTheBytesAreSplit() {
    String azureFirst = "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"prompt_filter_results\":[]}\r\n\r\n";
    String content = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n";
    String keepAlive = ": keep-alive\n\n";
    String both = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{}}],\"usage\":{\"prompt_tokens\":1}}\n\n";
    String usage = "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":19,\"completion_tokens\":10}}\r\n\r\n";
    String done = "data: [DONE]\n\n";
    String expected = azureFirst + content + keepAlive + both + done;
    for (int size = 1; size <= 64; size++) {
      assertThat(filterInPieces(azureFirst + content + keepAlive + both + usage + done, size)).as("piece size %d", size)
          .isEqualTo(expected);
    }
  }

  @Test
  void forwardsAnUnterminatedLastEventAtTheEnd() {
    assertThat(filterInPieces("data: {\"choices\":[{}]}\n\ndata: [DONE]", 5)).isEqualTo("data: {\"choices\":[{}]}\n\ndata: [DONE]");
  }
}
