package dev.tollgate.analytics.query;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * The position after the last invocation of a page: its (ts, event_id), the table's unique order
 * for a listing. The next page holds rows strictly before it in (ts DESC, event_id DESC) order, so
 * a row is never repeated or skipped by paging, and events that arrive meanwhile (newer ts) never
 * shift later pages. Encoded as opaque base64url text; decoding refuses anything it did not make.
 *
 * <p>Immutable.
 */
public record InvocationCursor(long tsSeconds, String eventId) {

  static final int MAX_EVENT_ID = 256;
  private static final String VERSION = "v1";

  public InvocationCursor {
    if (tsSeconds < 0 || eventId == null || eventId.isEmpty() || eventId.length() > MAX_EVENT_ID
        || !SqlLiteral.isQuotable(eventId)) {
      throw new IllegalArgumentException("invalid cursor position");
    }
  }

  public String encode() {
    String text = VERSION + ":" + tsSeconds + ":" + eventId;
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor {@code token} encodes, or empty when it is not one this API issued. */
  public static Optional<InvocationCursor> decode(String token) {
    if (token == null || token.isEmpty() || token.length() > 512) {
      return Optional.empty();
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      String[] parts = text.split(":", 3);
      if (parts.length != 3 || !parts[0].equals(VERSION) || !parts[1].matches("[0-9]{1,12}")) {
        return Optional.empty();
      }
      return Optional.of(new InvocationCursor(Long.parseLong(parts[1]), parts[2]));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Rows strictly after this cursor in newest-first order. */
  String condition() {
    String ts = "toDateTime(" + SqlLiteral.number(tsSeconds) + ")";
    return "(ts < " + ts + " OR (ts = " + ts + " AND event_id < " + SqlLiteral.quote(eventId) + "))";
  }
}
