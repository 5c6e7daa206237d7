package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Asks an OpenAI-protocol chat stream for its usage: rewrites a request body with
 * {@code "stream":true} so that {@code stream_options.include_usage} is true, editing only the
 * bytes it must (every other byte, number format and key order stays as the client sent it).
 *
 * <p>Stateless and thread-safe.
 */
public final class StreamUsageInjection {

  private static final byte[] WHOLE_OPTION = "\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OPTION_OBJECT = "{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] INCLUDE_USAGE = "\"include_usage\":true".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);

  private StreamUsageInjection() {}

  /**
   * The body with {@code include_usage} switched on, or null when it needs no change (not a
   * stream, already asked) or cannot be read (not a JSON object: it is forwarded untouched and
   * the upstream answers it).
   */
  public static byte[] rewrite(byte[] body) {
    try (JsonParser p = JsonPathWalker.JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      int rootStart = (int) p.currentTokenLocation().getByteOffset();
      boolean stream = false;
      int optionsValueStart = -1;
      int optionsValueEnd = -1;
      JsonToken optionsToken = null;
      int includeStart = -1;
      int includeEnd = -1;
      boolean includeTrue = false;
      JsonToken token;
      while ((token = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        int valueStart = (int) p.currentTokenLocation().getByteOffset();
        if (name.equals("stream")) {
          stream = value == JsonToken.VALUE_TRUE;
        } else if (name.equals("stream_options")) {
          // A later duplicate wins upstream: only the last stream_options counts.
          includeStart = -1;
          includeEnd = -1;
          includeTrue = false;
          optionsToken = value;
          optionsValueStart = valueStart;
          if (value == JsonToken.START_OBJECT) {
            JsonToken inner;
            while ((inner = p.nextToken()) == JsonToken.FIELD_NAME) {
              String innerName = p.currentName();
              JsonToken innerValue = p.nextToken();
              if (innerName.equals("include_usage")) {
                includeTrue = innerValue == JsonToken.VALUE_TRUE;
                includeStart = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren(); // a container value ends at its closing bracket
                p.finishToken(); // a string is parsed lazily: without this the location is inside it
                includeEnd = (int) p.currentLocation().getByteOffset();
              }
              p.skipChildren();
            }
            if (inner != JsonToken.END_OBJECT) {
              return null;
            }
          } else {
            p.skipChildren();
          }
          optionsValueEnd = (int) p.currentLocation().getByteOffset();
        }
        p.skipChildren();
      }
      if (token != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null; // malformed or trailing content: forward untouched
      }
      if (!stream || includeTrue) {
        return null;
      }
      if (optionsToken == null) {
        return splice(body, rootStart + 1, rootStart + 1, WHOLE_OPTION);
      }
      if (optionsToken == JsonToken.VALUE_NULL) {
        return splice(body, optionsValueStart, optionsValueEnd, OPTION_OBJECT);
      }
      if (optionsToken != JsonToken.START_OBJECT) {
        return null; // a shape the upstream will reject anyway: leave it to answer
      }
      if (includeStart >= 0) {
        return splice(body, includeStart, includeEnd, TRUE); // false or null -> true
      }
      int afterBrace = optionsValueStart + 1;
      boolean empty = firstNonSpace(body, afterBrace) == '}';
      byte[] insert = empty ? INCLUDE_USAGE : concat(INCLUDE_USAGE, new byte[] {','});
      return splice(body, afterBrace, afterBrace, insert);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static byte firstNonSpace(byte[] body, int from) {
    for (int i = from; i < body.length; i++) {
      byte b = body[i];
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return b;
      }
    }
    return 0;
  }

  private static byte[] splice(byte[] body, int from, int to, byte[] replacement) {
    byte[] out = new byte[body.length - (to - from) + replacement.length];
    System.arraycopy(body, 0, out, 0, from);
    System.arraycopy(replacement, 0, out, from, replacement.length);
    System.arraycopy(body, to, out, from + replacement.length, body.length - to);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
