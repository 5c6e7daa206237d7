package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.JdkZlibDecoder;
import io.netty.handler.codec.compression.ZlibWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the edge knows about one provider wire protocol: how to name the operation of a path,
 * how to read usage from its responses (non-stream JSON and SSE), and how to shape an error the
 * edge itself returns so the client's SDK understands it.
 *
 * <p>Adapters are stateless and thread-safe; the observers they create are per response.
 */
public abstract class ProtocolAdapter {

  /** Largest single SSE event read for usage; bigger events are skipped (usage then unknown). */
  static final int MAX_SSE_EVENT_BYTES = 4 * 1024 * 1024;

  /** Path templates kept per adapter (most calls use a handful of paths); paths are the client's, so bounded. */
  static final int MAX_CACHED_TEMPLATES = 512;
  static final int MAX_CACHED_TEMPLATE_PATH = 160;

  private static final ProtocolAdapter OPENAI = new OpenAiAdapter();
  private static final ProtocolAdapter ANTHROPIC = new AnthropicAdapter();
  private static final ProtocolAdapter GEMINI = new GeminiAdapter();

  private final Map<String, String> templates = new ConcurrentHashMap<>();

  ProtocolAdapter() {}

  /** The adapter for {@code protocol} (openai, anthropic or gemini). */
  public static ProtocolAdapter forProtocol(String protocol) {
    return switch (protocol) {
      case "openai" -> OPENAI;
      case "anthropic" -> ANTHROPIC;
      case "gemini" -> GEMINI;
      default -> throw new IllegalArgumentException("protocol: " + protocol + " (expected: openai, anthropic or gemini)");
    };
  }

  /** The protocol's name as recorded in events. */
  public abstract String protocol();

  /** The operation ({@code chat}, {@code responses}, {@code messages}, {@code embeddings}, {@code generate_content} or {@code other}). */
  public abstract String operation(String method, String path);

  /** Builds the usage sink for a response of {@code operation}. */
  abstract JsonSink bodySink(String operation, ResponseFacts facts, boolean stream);

  /** Builds the per-event listener for an SSE response of {@code operation}. */
  abstract SseParser.Listener streamListener(String operation, ResponseFacts facts);

  /** Writes the protocol's error object for an error the edge itself returns. */
  abstract void writeError(JsonGenerator json, int status, String code, String message) throws IOException;

  /**
   * The request path with identifiers replaced by placeholders: the segment after {@code models}
   * is {@code {model}} (keeping a {@code :method} suffix), after {@code deployments} is
   * {@code {deployment}}, and id-like segments are {@code {id}}.
   */
  public String pathTemplate(String path) {
    String template = templates.get(path);
    if (template != null) {
      return template;
    }
    template = buildPathTemplate(path);
    if (path.length() <= MAX_CACHED_TEMPLATE_PATH && templates.size() < MAX_CACHED_TEMPLATES) {
      templates.putIfAbsent(path, template);
    }
    return template;
  }

  private static String buildPathTemplate(String path) {
    // Called for every event not cached: one scan, no split, no regex.
    StringBuilder out = new StringBuilder(path.length());
    int start = 0;
    int previousStart = -1;
    int previousEnd = -1;
    while (true) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      if (start > 0) {
        out.append('/');
      }
      int colon = path.indexOf(':', start);
      int nameEnd = colon >= 0 && colon < end ? colon : end;
      boolean empty = start == end;
      if (!empty && segmentIs(path, previousStart, previousEnd, "models")) {
        out.append("{model}").append(path, nameEnd, end);
      } else if (!empty && segmentIs(path, previousStart, previousEnd, "deployments")) {
        out.append("{deployment}");
      } else if (isIdSegment(path, start, nameEnd)) {
        out.append("{id}").append(path, nameEnd, end);
      } else {
        out.append(path, start, end);
      }
      if (out.length() > 256) {
        return out.substring(0, 256);
      }
      if (end == path.length()) {
        return out.toString();
      }
      previousStart = start;
      previousEnd = end;
      start = end + 1;
    }
  }

  private static boolean segmentIs(String path, int start, int end, String word) {
    return start >= 0 && end - start == word.length() && path.startsWith(word, start);
  }

  /**
   * True when {@code s[from, to)} looks like an identifier: 16 or more of {@code [A-Za-z0-9_.~-]}
   * with a digit among them, 32 to 36 hex digits and dashes (a UUID), or only digits.
   */
  static boolean isIdSegment(CharSequence s, int from, int to) {
    int length = to - from;
    if (length <= 0) {
      return false;
    }
    boolean digitsOnly = true;
    boolean hexOrDash = true;
    boolean idChars = true;
    boolean anyDigit = false;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      boolean digit = c >= '0' && c <= '9';
      boolean hexLetter = (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      anyDigit |= digit;
      digitsOnly &= digit;
      hexOrDash &= digit || hexLetter || c == '-';
      idChars &= digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '~' || c == '-';
    }
    return digitsOnly || (hexOrDash && length >= 32 && length <= 36) || (idChars && anyDigit && length >= 16);
  }

  /** The Azure deployment named in the path ({@code /openai/deployments/{d}/chat/completions}), or null. */
  public String deploymentFromPath(String path) {
    int at = path.indexOf("/deployments/");
    if (at < 0) {
      return null;
    }
    String rest = path.substring(at + "/deployments/".length());
    int slash = rest.indexOf('/');
    String deployment = slash < 0 ? rest : rest.substring(0, slash);
    return deployment.isEmpty() || deployment.length() > Json.MAX_TEXT ? null : deployment;
  }

  /** The model named in the path ({@code /v1beta/models/gemini-2.5-flash:generateContent}), or null. */
  public String modelFromPath(String path) {
    int at = path.indexOf("/models/");
    if (at < 0) {
      return null;
    }
    String rest = path.substring(at + "/models/".length());
    int end = rest.length();
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == ':' || c == '/') {
        end = i;
        break;
      }
    }
    String model = rest.substring(0, end);
    return model.isEmpty() || model.length() > Json.MAX_TEXT ? null : model;
  }

  /**
   * An observer reading {@code facts} from a response body with the given headers; a content
   * type or encoding the edge cannot read yields {@link ResponseObserver#NONE}.
   */
  public final ResponseObserver observer(String operation, String contentType, String contentEncoding, ResponseFacts facts) {
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    ResponseObserver body;
    if (type.startsWith("text/event-stream")) {
      body = new SseObserver(new SseParser(streamListener(operation, facts), MAX_SSE_EVENT_BYTES));
    } else if (type.isEmpty() || type.contains("json")) {
      body = new JsonBodyObserver(this, operation, facts);
    } else {
      return ResponseObserver.NONE;
    }
    String encoding = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
    return switch (encoding) {
      case "", "identity" -> body;
      case "gzip", "x-gzip" -> new DecompressingObserver(body, ZlibWrapper.GZIP);
      case "deflate" -> new DecompressingObserver(body, ZlibWrapper.ZLIB_OR_NONE);
      default -> ResponseObserver.NONE; // br, zstd: passed through, usage unknown
    };
  }

  /** The body of an error the edge returns itself, in this protocol's error shape. */
  public final byte[] errorBody(int status, String code, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(160);
    try (JsonGenerator json = JsonPathWalker.JSON.createGenerator(out)) {
      writeError(json, status, code, message);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** True when {@code path} ends with {@code suffix} as whole segments. */
  static boolean endsWithSegments(String path, String suffix) {
    return path.endsWith(suffix) && (path.length() == suffix.length() || path.charAt(path.length() - suffix.length() - 1) == '/');
  }

  /** Parses each complete SSE event's JSON with a sink. */
  static boolean walk(JsonSink sink, byte[] data, int length) {
    if (length == 0 || data[0] != '{') {
      return false; // [DONE] and non-JSON lines carry no usage
    }
    return new JsonPathWalker(sink).walkDocument(data, 0, length);
  }

  /**
   * Reads a JSON body chunk by chunk; a body that arrives whole in one chunk is read without
   * holding its generated text for an estimate, which only a body reporting no usage needs (almost
   * none do: the text would be copied for nothing). Such a body is read a second time, for that
   * text alone, before its chunk is let go.
   */
  private static final class JsonBodyObserver implements ResponseObserver {
    private final ProtocolAdapter adapter;
    private final String operation;
    private final ResponseFacts facts;
    private final JsonPathWalker walker;

    JsonBodyObserver(ProtocolAdapter adapter, String operation, ResponseFacts facts) {
      this.adapter = adapter;
      this.operation = operation;
      this.facts = facts;
      this.walker = new JsonPathWalker(adapter.bodySink(operation, facts, false));
    }

    @Override
    public void onBody(ByteBuf chunk) {
      walker.feed(chunk);
    }

    @Override
    public void onEnd() {
      walker.endFeed();
    }

    @Override
    public void onLastBody(ByteBuf chunk) {
      if (!walker.readsWhole(chunk) || !facts.holdsOutput()) {
        walker.feedLast(chunk);
        return;
      }
      facts.holdOutput(false);
      walker.feedLast(chunk);
      facts.holdOutput(true);
      if (!facts.usageReported()) {
        // The same sink on facts of its own: only the estimator, shared, keeps what it reads.
        JsonPathWalker texts = new JsonPathWalker(adapter.bodySink(operation, facts.outputTextOnly(), false));
        texts.feedLast(chunk);
      }
    }
  }

  private static final class SseObserver implements ResponseObserver {
    private final SseParser parser;

    SseObserver(SseParser parser) {
      this.parser = parser;
    }

    @Override
    public void onBody(ByteBuf chunk) {
      if (!chunk.isReadable()) {
        return;
      }
      if (chunk.hasArray()) {
        parser.feed(chunk.array(), chunk.arrayOffset() + chunk.readerIndex(), chunk.readableBytes());
      } else {
        parser.feed(JsonPathWalker.scratchCopy(chunk), 0, chunk.readableBytes()); // the parser keeps no input
      }
    }

    @Override
    public void onEnd() {
      parser.end();
    }
  }

  /** Reads a gzip or deflate body through a decompressed copy; the compressed bytes go to the client. */
  private static final class DecompressingObserver implements ResponseObserver {
    private final ResponseObserver delegate;
    private EmbeddedChannel inflater;

    DecompressingObserver(ResponseObserver delegate, ZlibWrapper wrapper) {
      this.delegate = delegate;
      this.inflater = new EmbeddedChannel(new JdkZlibDecoder(wrapper, 0));
    }

    @Override
    public void onBody(ByteBuf chunk) {
      if (inflater == null || !chunk.isReadable()) {
        return;
      }
      try {
        inflater.writeInbound(chunk.copy());
        drain();
      } catch (RuntimeException e) {
        stop(); // corrupt stream: stop reading usage, the bytes still flow to the client
      }
    }

    @Override
    public void onEnd() {
      if (inflater != null) {
        try {
          inflater.finish();
          drain();
        } catch (RuntimeException e) {
          // truncated stream: whatever was read stays
        }
        stop();
      }
      delegate.onEnd();
    }

    private void drain() {
      ByteBuf out;
      while ((out = inflater.readInbound()) != null) {
        try {
          delegate.onBody(out);
        } finally {
          out.release();
        }
      }
    }

    private void stop() {
      if (inflater != null) {
        inflater.finishAndReleaseAll();
        inflater = null;
      }
    }
  }
}
