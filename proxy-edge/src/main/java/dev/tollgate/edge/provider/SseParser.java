package dev.tollgate.edge.provider;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Incremental Server-Sent Events parser: accepts the stream in arbitrary pieces (a TCP read is
 * not an event), handles {@code \n}, {@code \r\n} and {@code \r} line endings, comments and
 * multi-line data, and hands each complete event to a {@link Listener}.
 *
 * <p>Works on a copy of the bytes; never sees or changes what is forwarded. An event whose data
 * exceeds {@code maxEventBytes} is skipped (its usage is then unknown) instead of growing without
 * bound. Not thread-safe: one parser per response, used from one event loop.
 */
public final class SseParser {

  /** Receives complete events. */
  public interface Listener {
    /** {@code event} is null when the event had no {@code event:} line; {@code data} lines are joined by {@code \n}. */
    void onEvent(String event, byte[] data, int length);
  }

  private final Listener listener;
  private final int maxEventBytes;

  private byte[] line = new byte[256];
  private int lineLength;
  private boolean lineOverflow;
  private boolean lastWasCr;

  private byte[] data = new byte[256];
  private int dataLength;
  private boolean hasData;
  private boolean dataOverflow;
  private String eventName;

  public SseParser(Listener listener, int maxEventBytes) {
    this.listener = listener;
    this.maxEventBytes = maxEventBytes;
  }

  /** Feeds {@code length} bytes of the stream. */
  public void feed(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        if (lastWasCr) {
          lastWasCr = false; // second half of \r\n: the line already ended at \r
          continue;
        }
        endLine();
      } else if (b == '\r') {
        lastWasCr = true;
        endLine();
      } else {
        lastWasCr = false;
        appendToLine(b);
      }
    }
  }

  /** The stream ended: an event still pending (no final blank line) is dispatched anyway. */
  public void end() {
    if (lineLength > 0 || lineOverflow) {
      endLine();
    }
    dispatch();
  }

  private void appendToLine(byte b) {
    if (lineLength == line.length) {
      if (line.length >= maxEventBytes) {
        lineOverflow = true;
        return;
      }
      line = Arrays.copyOf(line, Math.min(maxEventBytes, line.length * 2));
    }
    line[lineLength++] = b;
  }

  private void endLine() {
    if (lineLength == 0 && !lineOverflow) {
      dispatch();
      return;
    }
    boolean overflow = lineOverflow;
    int length = lineLength;
    lineLength = 0;
    lineOverflow = false;
    if (line[0] == ':') {
      return; // comment or keep-alive
    }
    int colon = indexOf(line, length, (byte) ':');
    String field = new String(line, 0, colon < 0 ? length : colon, StandardCharsets.US_ASCII);
    int valueStart = colon < 0 ? length : colon + 1;
    if (valueStart < length && line[valueStart] == ' ') {
      valueStart++;
    }
    switch (field) {
      case "data" -> appendData(valueStart, length, overflow);
      case "event" -> eventName = new String(line, valueStart, length - valueStart, StandardCharsets.UTF_8);
      default -> { } // id, retry and unknown fields carry nothing the edge needs
    }
  }

  private void appendData(int from, int to, boolean overflow) {
    int needed = (hasData ? 1 : 0) + (to - from);
    if (overflow || dataOverflow || dataLength + needed > maxEventBytes) {
      dataOverflow = true;
      hasData = true;
      return;
    }
    if (dataLength + needed > data.length) {
      data = Arrays.copyOf(data, Math.max(data.length * 2, dataLength + needed));
    }
    if (hasData) {
      data[dataLength++] = '\n';
    }
    System.arraycopy(line, from, data, dataLength, to - from);
    dataLength += to - from;
    hasData = true;
  }

  private void dispatch() {
    try {
      if (hasData && !dataOverflow) {
        listener.onEvent(eventName, data, dataLength);
      }
    } finally {
      hasData = false;
      dataOverflow = false;
      dataLength = 0;
      eventName = null;
      if (data.length > 64 * 1024) {
        data = new byte[256]; // do not keep a large buffer for the rest of a long stream
      }
      if (line.length > 64 * 1024) {
        line = new byte[256];
      }
    }
  }

  private static int indexOf(byte[] bytes, int length, byte b) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
