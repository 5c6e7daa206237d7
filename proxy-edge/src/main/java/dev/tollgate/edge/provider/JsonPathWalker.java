package dev.tollgate.edge.provider;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Walks JSON tokens and reports them to a {@link JsonSink} by path. Works on a complete document
 * (one SSE event) or incrementally on a non-stream body fed chunk by chunk through Jackson's
 * non-blocking parser, so a large body is never held: only the string value being parsed is.
 *
 * <p>Every call walks a few JSON documents, so the walk allocates no path strings: each path is a
 * {@link PathNode} shared by all walkers and built once (up to {@link PathNode#MAX_NODES}), and a
 * chunk in a direct buffer is read through one scratch array per thread.
 *
 * <p>Not thread-safe: one walker per document. The shared path nodes are thread-safe.
 */
final class JsonPathWalker {

  static final JsonFactory JSON = JsonFactory.builder().build();

  /** Largest chunk read through the per-thread scratch array; a larger one gets its own copy. */
  static final int MAX_SCRATCH_BYTES = 64 * 1024;
  private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected byte[] initialValue() {
      return new byte[4096];
    }
  };

  private final JsonSink sink;
  /** The open containers, innermost last: a node and whether it is an array (else an object). */
  private PathNode[] nodes = new PathNode[8];
  private boolean[] arrays = new boolean[8];
  private int depth;
  private String field;
  private JsonParser feeding;
  private boolean failed;
  private boolean ended;

  JsonPathWalker(JsonSink sink) {
    this.sink = sink;
  }

  /** Walks the complete document in {@code bytes[0..length)}; returns false when it is not valid JSON. */
  boolean walkDocument(byte[] bytes, int offset, int length) {
    try (JsonParser parser = JSON.createParser(bytes, offset, length)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        handle(parser, token);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    } finally {
      Arrays.fill(nodes, 0, depth, null);
      depth = 0;
      field = null;
    }
  }

  /**
   * Feeds the readable bytes of {@code chunk} (not changed) as the next piece of an incrementally
   * parsed document: in place when it has an array, else through this thread's scratch array.
   * Either is safe to reuse once this returns: {@link #drain} parses until the parser needs more
   * input, and Jackson's non-blocking parser copies whatever token is incomplete into its own
   * buffers, so it never reads a fed array after that.
   */
  void feed(ByteBuf chunk) {
    int length = chunk.readableBytes();
    if (failed || length == 0) {
      return;
    }
    if (chunk.hasArray()) {
      feed(chunk.array(), chunk.arrayOffset() + chunk.readerIndex(), length);
      return;
    }
    feed(scratchCopy(chunk), 0, length);
  }

  /**
   * The readable bytes of {@code chunk} at the start of this thread's scratch array (or of a new
   * array when they exceed {@link #MAX_SCRATCH_BYTES}). Valid until the thread's next call: the
   * caller must be done with it before it returns to the event loop.
   */
  static byte[] scratchCopy(ByteBuf chunk) {
    int length = chunk.readableBytes();
    byte[] scratch = SCRATCH.get();
    if (scratch.length < length) {
      scratch = new byte[length];
      if (length <= MAX_SCRATCH_BYTES) {
        SCRATCH.set(scratch);
      }
    }
    chunk.getBytes(chunk.readerIndex(), scratch, 0, length);
    return scratch;
  }

  /**
   * Feeds the next piece of a document parsed incrementally; the array may be reused once this
   * returns (see {@link #feed(ByteBuf)}). Malformed JSON stops the walk.
   */
  void feed(byte[] bytes, int offset, int length) {
    if (failed || length == 0) {
      return;
    }
    try {
      if (feeding == null) {
        feeding = JSON.createNonBlockingByteArrayParser();
      }
      ((ByteArrayFeeder) feeding.getNonBlockingInputFeeder()).feedInput(bytes, offset, offset + length);
      drain();
    } catch (IOException | RuntimeException e) {
      failed = true;
    }
  }

  /**
   * Feeds the last piece of an incrementally parsed document and ends it, as {@link #feed(ByteBuf)}
   * then {@link #endFeed()}. A document that arrives whole in one chunk (most request and
   * non-stream response bodies) is walked with Jackson's blocking parser, which reads it faster
   * than the non-blocking one (about a fifth, for a chat call's bodies).
   */
  void feedLast(ByteBuf chunk) {
    if (!readsWhole(chunk)) {
      feed(chunk);
      endFeed();
      return;
    }
    int length = chunk.readableBytes();
    boolean walked = chunk.hasArray()
        ? walkDocument(chunk.array(), chunk.arrayOffset() + chunk.readerIndex(), length)
        : walkDocument(scratchCopy(chunk), 0, length);
    ended = walked;
    failed = !walked;
  }

  /** True when {@link #feedLast} given {@code chunk} would walk it as the whole document: nothing was fed before. */
  boolean readsWhole(ByteBuf chunk) {
    return feeding == null && !failed && chunk.isReadable();
  }

  /** The incrementally fed document ended. */
  void endFeed() {
    if (feeding == null || failed) {
      return;
    }
    try {
      ((ByteArrayFeeder) feeding.getNonBlockingInputFeeder()).endOfInput();
      drain();
      feeding.close();
      ended = true;
    } catch (IOException | RuntimeException e) {
      failed = true;
    }
  }

  /** True when the incrementally fed input ended and was walked whole: valid JSON, every value seen. */
  boolean walkedWhole() {
    return ended && !failed;
  }

  private void drain() throws IOException {
    JsonToken token;
    while ((token = feeding.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
      handle(feeding, token);
    }
  }

  private void handle(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case FIELD_NAME -> field = parser.currentName();
      case START_OBJECT -> {
        PathNode node = child();
        sink.startObject(node.path);
        push(node, false);
      }
      case START_ARRAY -> push(child().arrayChild(), true);
      case END_OBJECT, END_ARRAY -> {
        nodes[--depth] = null;
        field = null;
      }
      default -> sink.value(child().path, parser);
    }
  }

  private void push(PathNode node, boolean array) {
    if (depth == nodes.length) {
      nodes = Arrays.copyOf(nodes, depth * 2);
      arrays = Arrays.copyOf(arrays, depth * 2);
    }
    nodes[depth] = node;
    arrays[depth] = array;
    depth++;
  }

  /** The node of the value the parser is on: an array's element, an object's field, or the root. */
  private PathNode child() {
    if (depth == 0) {
      return PathNode.ROOT;
    }
    PathNode top = nodes[depth - 1];
    return arrays[depth - 1] ? top : top.field(field);
  }

  /**
   * One path: object fields joined with {@code .}, array elements with {@code []}. Children are
   * kept (and their path strings built) once for the whole process, up to {@link #MAX_NODES}
   * nodes of at most {@link #MAX_CACHED_PATH} characters and {@link #MAX_FIELDS} fields per
   * object: request bodies are the client's, so their field names are bounded here; past the
   * limits a path is built per use, as before.
   *
   * <p>A node's fields are looked up by scanning a short array of names, by identity first: Jackson
   * interns the field names it reads, so a known name is found without hashing or comparing
   * characters (a hash map's lookup was nearly 4 % of the event loops' Java time).
   *
   * <p>Thread-safe: the fields are copied on write and published whole.
   */
  static final class PathNode {
    static final int MAX_NODES = 4096;
    static final int MAX_CACHED_PATH = 128;
    static final int MAX_FIELDS = 32;
    private static final Fields NO_FIELDS = new Fields(new String[0], new PathNode[0]); // before ROOT uses it
    static final PathNode ROOT = new PathNode("");
    private static final AtomicInteger NODES = new AtomicInteger();

    final String path;
    private volatile Fields fields = NO_FIELDS;
    private volatile PathNode arrayChild;

    /** The names of an object's known fields and, at the same index, their nodes. Immutable. */
    private record Fields(String[] names, PathNode[] nodes) {}

    private PathNode(String path) {
      this.path = path;
    }

    /** The node of field {@code name} of the object at this path. */
    PathNode field(String name) {
      if (name == null) {
        return new PathNode(path.isEmpty() ? null : path + ".null"); // never in valid JSON; as before
      }
      Fields known = fields;
      String[] names = known.names;
      for (int i = 0; i < names.length; i++) {
        if (names[i] == name) {
          return known.nodes[i];
        }
      }
      PathNode child = find(known, name);
      return child != null ? child : add(name);
    }

    private static PathNode find(Fields known, String name) {
      String[] names = known.names;
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(name)) {
          return known.nodes[i];
        }
      }
      return null;
    }

    private PathNode add(String name) {
      PathNode child = new PathNode(path.isEmpty() ? name : path + "." + name);
      if (fields.names.length >= MAX_FIELDS) {
        return child; // full: no lock taken for the fields past the limit
      }
      synchronized (this) {
        Fields known = fields;
        PathNode raced = find(known, name);
        if (raced != null) {
          return raced;
        }
        if (known.names.length >= MAX_FIELDS || !cacheable(child)) {
          return child;
        }
        int n = known.names.length;
        String[] names = Arrays.copyOf(known.names, n + 1);
        PathNode[] nodes = Arrays.copyOf(known.nodes, n + 1);
        names[n] = name;
        nodes[n] = child;
        fields = new Fields(names, nodes);
        return child;
      }
    }

    /** The node of the elements of the array at this path. */
    PathNode arrayChild() {
      PathNode child = arrayChild;
      if (child != null) {
        return child;
      }
      child = new PathNode(path + "[]");
      if (cacheable(child)) {
        arrayChild = child; // a race builds two equal nodes: either is correct
      }
      return child;
    }

    private static boolean cacheable(PathNode node) {
      return node.path.length() <= MAX_CACHED_PATH && NODES.get() < MAX_NODES && NODES.incrementAndGet() <= MAX_NODES;
    }
  }
}
