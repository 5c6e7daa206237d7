package dev.tollgate.job.workflow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes event ids compactly: an id in the edge's form (a canonical lower-case UUID, 36
 * characters) as a marker byte and its 128 bits, anything else as a marker byte, a length and its
 * UTF-8 bytes; each written in one call. The sink's pending batches hold every id they wrote and
 * are checkpointed at every checkpoint; Flink's own string serializer writes one byte per call.
 * The dedup state's keys ({@link EventIdKey}) are strings too and take the text form.
 *
 * <p>Invariant: {@code deserialize(serialize(id)).equals(id)} for every string: only a string equal
 * to the canonical form of the UUID it encodes takes the 16-byte form, so nothing is normalised and
 * no two ids share a form (no hashing: a collision would drop a distinct event).
 *
 * <p>Stateless and thread-safe.
 */
public final class EventIdSerializer extends TypeSerializerSingleton<String> {

  private static final long serialVersionUID = 1L;

  /** The one instance. */
  public static final EventIdSerializer INSTANCE = new EventIdSerializer();

  private static final byte UUID_FORM = 1;
  private static final byte TEXT_FORM = 0;
  private static final int UUID_LENGTH = 36;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private EventIdSerializer() {}

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  public String createInstance() {
    return "";
  }

  @Override
  public String copy(String from) {
    return from;
  }

  @Override
  public String copy(String from, String reuse) {
    return from;
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(String id, DataOutputView target) throws IOException {
    byte[] uuid = uuidForm(id);
    if (uuid != null) {
      target.write(uuid);
      return;
    }
    byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[5 + utf8.length];
    bytes[0] = TEXT_FORM;
    bytes[1] = (byte) (utf8.length >>> 24);
    bytes[2] = (byte) (utf8.length >>> 16);
    bytes[3] = (byte) (utf8.length >>> 8);
    bytes[4] = (byte) utf8.length;
    System.arraycopy(utf8, 0, bytes, 5, utf8.length);
    target.write(bytes);
  }

  @Override
  public String deserialize(DataInputView source) throws IOException {
    byte form = source.readByte();
    if (form == UUID_FORM) {
      byte[] bits = new byte[16];
      source.readFully(bits);
      char[] text = new char[UUID_LENGTH];
      int at = 0;
      for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
          text[at++] = '-';
        }
        text[at++] = HEX[(bits[i] >>> 4) & 0xf];
        text[at++] = HEX[bits[i] & 0xf];
      }
      return new String(text);
    }
    if (form != TEXT_FORM) {
      throw new IOException("event id: unknown form " + form + " (expected: 0 or 1)");
    }
    byte[] utf8 = new byte[source.readInt()];
    source.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  @Override
  public String deserialize(String reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  @Override
  public TypeSerializerSnapshot<String> snapshotConfiguration() {
    return new Snapshot();
  }

  /**
   * The 17-byte form (marker, 128 bits) of {@code xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} in
   * lower-case hex, the only text it restores to; null for any other string. One pass over the
   * Latin-1 bytes: every remembered id is written at each heap checkpoint, and every key at each
   * RocksDB state access.
   */
  static byte[] uuidForm(String id) {
    if (id.length() != UUID_LENGTH) {
      return null;
    }
    byte[] text = id.getBytes(StandardCharsets.ISO_8859_1);
    if (text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
      return null;
    }
    byte[] bytes = new byte[17];
    bytes[0] = UUID_FORM;
    int at = 1;
    for (int i = 0; i < UUID_LENGTH; i += 2) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        i--; // the dash; the next pair starts after it
        continue;
      }
      int high = NIBBLE[text[i] & 0xff];
      int low = NIBBLE[text[i + 1] & 0xff];
      if ((high | low) < 0) {
        return null;
      }
      bytes[at++] = (byte) (high << 4 | low);
    }
    return bytes;
  }

  /** Hex digit value of a lower-case hex character, -1 for any other byte. */
  static final int[] NIBBLE = new int[256];

  static {
    Arrays.fill(NIBBLE, -1);
    for (int c = '0'; c <= '9'; c++) {
      NIBBLE[c] = c - '0';
    }
    for (int c = 'a'; c <= 'f'; c++) {
      NIBBLE[c] = c - 'a' + 10;
    }
  }

  /** Serializer snapshot: the format has no parameters. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<String> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
