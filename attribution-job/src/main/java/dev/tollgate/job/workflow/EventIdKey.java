package dev.tollgate.job.workflow;

import dev.tollgate.event.serde.InvocationEventCodec;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys event records for dedup, by the event id read from the record's bytes without decoding
 * the rest ({@link InvocationEventCodec#eventId}).
 *
 * <p>An edge numbers its events: each of its threads has a random prefix and counts
 * ({@code EventIds} in proxy-edge), so an id in that form, a canonical lower-case UUID, is a
 * thread's prefix and a sequence number. Such an id is keyed by its first 19 characters (the
 * prefix) and its last two hex digits (one of {@value #LANES} lanes), and the dedup state of a key
 * is the set of sequence numbers ({@link #sequence}: the remaining 14 hex digits) seen in that
 * lane, kept as ranges ({@link SeenSequences}). A thread's consecutive events go to different lanes,
 * so they spread over the subtasks as well as ids hashed one by one would, and the state holds
 * {@value #LANES} small entries per edge thread instead of one per event.
 *
 * <p>Any other id is keyed by {@value #OTHER} followed by the whole id, with sequence 0: one
 * entry per id. Records with no readable id get one of {@link #UNREADABLE_KEYS} blank keys, picked
 * by a hash of their bytes, so that a topic full of them (records from an edge that writes a schema
 * version this job does not know yet) spreads over the subtasks as valid records do. The attribute
 * operator dead-letters them, so such a key is never remembered.
 *
 * <p>Invariant: {@code (key(id), sequence(id))} differs for different ids. The three kinds of keys
 * never meet: a lane key starts with a hex digit, the key of any other id with {@value #OTHER}, an
 * unreadable record's is blank. Only an id whose hex digits are all lower case takes a lane, so
 * no two spellings of one number share a key and a sequence.
 *
 * <p>Stateless and thread-safe.
 */
public enum EventIdKey implements KeySelector<byte[], String> {
  INSTANCE;

  /** Lanes per edge thread: the values of an id's last two hex digits. */
  public static final int LANES = 256;
  /** The first character of the key of an id not in the edge's form. */
  static final String OTHER = "~";

  private static final int UUID_LENGTH = 36;
  private static final int PREFIX_LENGTH = 19;
  private static final int UNREADABLE_BITS = 6;
  /** How many keys records without a readable event id are spread over. */
  static final int UNREADABLE_KEYS = 1 << UNREADABLE_BITS;

  private static final String[] UNREADABLE = IntStream.range(0, UNREADABLE_KEYS)
      .mapToObj(" "::repeat).toArray(String[]::new);

  /** The key's Flink type: a string, checkpointed compactly ({@link EventIdSerializer}). */
  public static final TypeInformation<String> TYPE =
      new SerializerType<>(String.class, EventIdSerializer.INSTANCE, true, "EventId");

  @Override
  public String getKey(byte[] record) {
    String id = InvocationEventCodec.eventId(record);
    // The top bits of a Fibonacci hash: records that differ only at their end spread too.
    return id != null ? key(id) : UNREADABLE[(Arrays.hashCode(record) * 0x9E3779B9) >>> (32 - UNREADABLE_BITS)];
  }

  /** The dedup key of event id {@code id}. */
  public static String key(String id) {
    if (!edgeForm(id)) {
      return OTHER.concat(id);
    }
    char[] key = new char[PREFIX_LENGTH + 2];
    id.getChars(0, PREFIX_LENGTH, key, 0);
    id.getChars(UUID_LENGTH - 2, UUID_LENGTH, key, PREFIX_LENGTH);
    return new String(key);
  }

  /**
   * The sequence number of event id {@code id} within its key: its 14 hex digits between the
   * prefix and the lane, 0 for an id not in the edge's form.
   */
  public static long sequence(String id) {
    if (!edgeForm(id)) {
      return 0;
    }
    long sequence = 0;
    for (int i = PREFIX_LENGTH; i < UUID_LENGTH - 2; i++) {
      if (i != 23) {
        sequence = sequence << 4 | EventIdSerializer.NIBBLE[id.charAt(i)];
      }
    }
    return sequence;
  }

  /** Whether {@code id} is {@code xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} in lower-case hex. */
  private static boolean edgeForm(String id) {
    if (id.length() != UUID_LENGTH) {
      return false;
    }
    for (int i = 0; i < UUID_LENGTH; i++) {
      char c = id.charAt(i);
      boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-' : c < 256 && EventIdSerializer.NIBBLE[c] >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
