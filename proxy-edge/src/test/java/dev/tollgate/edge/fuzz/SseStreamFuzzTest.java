package dev.tollgate.edge.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.edge.provider.SseParser;
import dev.tollgate.edge.provider.UsageChunkFilter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The SSE layer under every stream: {@link SseParser} dispatches the same events, and
 * {@link UsageChunkFilter} forwards the same bytes, whatever the read boundaries; the filter never
 * forwards more than it got and passes a stream without a {@code "usage"} key byte for byte.
 *
 * <p>Input layout: byte 0 caps the parser's event size (small caps reach the overflow paths);
 * bytes 1..3 seed the random split; the rest is the stream.
 */
final class SseStreamFuzzTest {

  private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

  private record Event(String name, String data) {}

  @FuzzTest(maxDuration = "15s")
  void parsesAndFiltersTheSameWhateverTheSplitPoints(byte[] input) {
    if (input.length < 4) {
      return;
    }
    int maxEventBytes = 1 + (input[0] & 0xff) * 4;
    byte[] stream = Arrays.copyOfRange(input, 4, input.length);
    List<List<byte[]>> splits = Chunks.splits(stream, Chunks.seed(input));

    List<Event> events = parse(splits.get(0), maxEventBytes);
    assertThat(events).allSatisfy(e -> assertThat(e.data().getBytes(StandardCharsets.ISO_8859_1)).hasSizeLessThanOrEqualTo(maxEventBytes));
    byte[] forwarded = filter(splits.get(0));
    assertThat(forwarded.length).isLessThanOrEqualTo(stream.length);
    if (indexOf(stream, "\"usage\"".getBytes(StandardCharsets.US_ASCII)) < 0) {
      assertThat(forwarded).isEqualTo(stream);
    }
    for (List<byte[]> split : splits.subList(1, splits.size())) {
      assertThat(parse(split, maxEventBytes)).isEqualTo(events);
      assertThat(filter(split)).isEqualTo(forwarded);
    }
  }

  private static List<Event> parse(List<byte[]> chunks, int maxEventBytes) {
    List<Event> events = new ArrayList<>();
    SseParser parser = new SseParser(
        (name, data, length) -> events.add(new Event(name, new String(data, 0, length, StandardCharsets.ISO_8859_1))),
        maxEventBytes);
    for (byte[] chunk : chunks) {
      parser.feed(chunk, 0, chunk.length);
    }
    parser.end();
    return events;
  }

  private static byte[] filter(List<byte[]> chunks) {
    UsageChunkFilter filter = new UsageChunkFilter();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] chunk : chunks) {
      drain(filter.filter(Unpooled.wrappedBuffer(chunk), ALLOC), out);
    }
    drain(filter.flush(ALLOC), out);
    return out.toByteArray();
  }

  private static void drain(ByteBuf buf, ByteArrayOutputStream out) {
    if (buf != null) {
      try {
        out.writeBytes(ByteBufUtil.getBytes(buf));
      } finally {
        buf.release();
      }
    }
  }

  private static int indexOf(byte[] bytes, byte[] needle) {
    outer:
    for (int i = 0; i <= bytes.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
