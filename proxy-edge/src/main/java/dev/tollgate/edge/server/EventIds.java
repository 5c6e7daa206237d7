package dev.tollgate.edge.server;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Event ids: UUIDs in the version-4 layout (version 4, IETF variant) that are unique by
 * construction. Each thread draws 122 random bits once from {@link SecureRandom}: the high 60 stay
 * its prefix, the low 62 are a counter it advances per id. So ids of one thread never repeat (for
 * 2^62 ids), and two threads, of this process or of any other edge, collide only when their
 * 60-bit prefixes are equal: about 10^-10 for ten thousand edge threads ever started. A repeated
 * id would make the attribution job drop a real call as a duplicate, so this is stronger than
 * independent random draws from a 64-bit generator. {@link UUID#randomUUID()} is as strong but
 * takes a lock and reads the entropy source on every call: once per thread here. An event id
 * guards nothing, so it need not be unpredictable.
 *
 * <p>Thread-safe: the state is per thread.
 */
final class EventIds {

  private static final SecureRandom SEEDS = new SecureRandom();
  private static final long VERSION_MASK = 0xF000L;
  private static final long VARIANT_MASK = 0xC000L << 48;
  /** Per thread: {prefix (most significant bits, version set), next counter value}. */
  private static final ThreadLocal<long[]> STATE = ThreadLocal.withInitial(() -> {
    synchronized (SEEDS) {
      return new long[] {(SEEDS.nextLong() & ~VERSION_MASK) | 0x4000L, SEEDS.nextLong()};
    }
  });

  private EventIds() {}

  /** A new id in its canonical string form. */
  static String next() {
    long[] state = STATE.get();
    long least = (state[1]++ & ~VARIANT_MASK) | (0x8000L << 48);
    return new UUID(state[0], least).toString();
  }
}
