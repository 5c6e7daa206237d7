package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.util.Arrays;

/**
 * Removes the usage-only chunk from an OpenAI-protocol chat stream whose usage the edge asked for
 * on the client's behalf, so the client sees the stream it would have seen.
 *
 * <p>The forwarded bytes are cut at SSE event boundaries (a partial event waits for its end; a
 * TCP read is not an event) and every event passes byte for byte except one whose JSON has a
 * non-null {@code usage} and no choices. The usage chunk is recognised by {@code usage != null},
 * never by empty {@code choices} alone (Azure's first chunk has empty choices and no usage). A
 * chunk that carries usage AND choices is forwarded unchanged: dropping it would lose content, and
 * SDKs ignore a usage field they did not ask for. Other chunks keep the {@code "usage":null} the
 * provider adds once include_usage is on; SDK types read null and absent alike.
 *
 * <p>Not thread-safe: one filter per response, used from one event loop.
 */
public final class UsageChunkFilter {

  private byte[] pending = new byte[512];
  private int pendingLength;
  /** Scan state: index in {@code pending} up to which line ends were examined. */
  private int scanned;
  private int lineStart;

  /** Appends {@code chunk} (not released) and returns the complete events to forward, or null. */
  public ByteBuf filter(ByteBuf chunk, ByteBufAllocator alloc) {
    int n = chunk.readableBytes();
    ensure(pendingLength + n);
    chunk.getBytes(chunk.readerIndex(), pending, pendingLength, n);
    pendingLength += n;
    ByteBuf out = null;
    int eventStart = 0;
    int i = scanned;
    while (i < pendingLength) {
      byte b = pending[i];
      int lineEnd = -1;
      if (b == '\n') {
        lineEnd = i + 1;
      } else if (b == '\r') {
        if (i + 1 >= pendingLength) {
          break; // a \r\n may be split: decide when the next byte arrives
        }
        lineEnd = pending[i + 1] == '\n' ? i + 2 : i + 1;
      }
      if (lineEnd < 0) {
        i++;
        continue;
      }
      boolean blank = i == lineStart;
      lineStart = lineEnd;
      i = lineEnd;
      if (blank) {
        if (!isUsageOnly(pending, eventStart, lineEnd)) {
          if (out == null) {
            out = alloc.buffer(lineEnd - eventStart);
          }
          out.writeBytes(pending, eventStart, lineEnd - eventStart);
        }
        eventStart = lineEnd;
      }
    }
    if (eventStart > 0) {
      System.arraycopy(pending, eventStart, pending, 0, pendingLength - eventStart);
      pendingLength -= eventStart;
      i -= eventStart;
      lineStart -= eventStart;
    }
    scanned = i;
    return out;
  }

  /** The stream ended: whatever is pending (an event without its blank line) is forwarded as is. */
  public ByteBuf flush(ByteBufAllocator alloc) {
    if (pendingLength == 0) {
      return null;
    }
    ByteBuf out = alloc.buffer(pendingLength);
    out.writeBytes(pending, 0, pendingLength);
    pendingLength = 0;
    scanned = 0;
    lineStart = 0;
    return out;
  }

  private void ensure(int capacity) {
    if (capacity > pending.length) {
      pending = Arrays.copyOf(pending, Math.max(capacity, pending.length * 2));
    }
  }

  /** True for an event whose data is a JSON object with non-null {@code usage} and no choices. */
  static boolean isUsageOnly(byte[] bytes, int from, int to) {
    int data = indexOf(bytes, from, to, "data:");
    if (data < 0 || indexOf(bytes, from, to, "\"usage\"") < 0) {
      return false; // cheap reject for every content chunk without a usage key
    }
    int start = data + 5;
    int end = start;
    while (end < to && bytes[end] != '\n' && bytes[end] != '\r') {
      end++;
    }
    try (JsonParser p = JsonPathWalker.JSON.createParser(bytes, start, end - start)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      boolean usage = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("usage")) {
          usage = value == JsonToken.START_OBJECT;
        } else if (name.equals("choices") && value == JsonToken.START_ARRAY && p.nextToken() != JsonToken.END_ARRAY) {
          return false; // content rides on this chunk: forward it
        }
        p.skipChildren();
      }
      return usage;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static int indexOf(byte[] bytes, int from, int to, String needle) {
    outer:
    for (int i = from; i <= to - needle.length(); i++) {
      for (int j = 0; j < needle.length(); j++) {
        if (bytes[i + j] != needle.charAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
