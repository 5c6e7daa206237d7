package dev.tollgate.edge.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

  private final List<String> events = new ArrayList<>();
  private final SseParser parser = new SseParser(
      (event, data, length) -> events.add(event + "|" + new String(data, 0, length, StandardCharsets.UTF_8)), 1024);

  private void feedInPieces(String text, int pieceSize) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += pieceSize) {
      parser.feed(bytes, i, Math.min(pieceSize, bytes.length - i));
    }
  }

  @Test
  void dispatchesEventsFedOneByteAtATime() {
    feedInPieces("event: a\ndata: {\"x\":1}\n\ndata: second\n\n", 1);

    assertThat(events).containsExactly("a|{\"x\":1}", "null|second");
  }

  @Test
  void givesTheSameEventsForEverySplitPoint() {
    String stream = "event: message_start\r\ndata: {\"a\":1}\r\n\r\n: keep-alive\r\n\r\nevent: ping\r\ndata: {}\r\n\r\n";
    byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
    for (int split = 0; split <= bytes.length; split++) {
      events.clear();
      SseParser fresh = new SseParser(
          (event, data, length) -> events.add(event + "|" + new String(data, 0, length, StandardCharsets.UTF_8)), 1024);
      fresh.feed(bytes, 0, split);
      fresh.feed(bytes, split, bytes.length - split);
      assertThat(events).as("split at %d", split).containsExactly("message_start|{\"a\":1}", "ping|{}");
    }
  }

  @Test
  void handlesCrLfAndBareCrLineEndings() {
    feedInPieces("data: one\r\n\r\ndata: two\r\rdata: three\n\n", 2);

    assertThat(events).containsExactly("null|one", "null|two", "null|three");
  }

  @Test
  void ignoresCommentsAndUnknownFields() {
    feedInPieces(": ping\n\nid: 7\nretry: 10\ndata: x\n\n:\n\n", 3);

    assertThat(events).containsExactly("null|x");
  }

  @Test
  void joinsMultipleDataLinesWithNewlines() {
    feedInPieces("data: a\ndata:b\ndata\n\n", 1);

    assertThat(events).containsExactly("null|a\nb\n");
  }

  @Test
  void dispatchesAPendingEventWhenTheStreamEndsWithoutABlankLine() {
    feedInPieces("data: last", 4);
    assertThat(events).isEmpty();

    parser.end();

    assertThat(events).containsExactly("null|last");
  }

  @Test
  void skipsAnEventLargerThanTheLimitAndKeepsParsing() {
    feedInPieces("data: " + "x".repeat(5000) + "\n\ndata: after\n\n", 100);

    assertThat(events).containsExactly("null|after");
  }
}
