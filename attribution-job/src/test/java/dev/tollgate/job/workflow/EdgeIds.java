package dev.tollgate.job.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Event ids as one edge thread makes them ({@code EventIds} in proxy-edge): a prefix and a counter. */
public final class EdgeIds {

  private EdgeIds() {}

  /** {@code count} consecutive ids of the thread with prefix {@code prefix}, from {@code counter}. */
  public static List<String> of(long prefix, long counter, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(id(prefix, counter + i));
    }
    return ids;
  }

  /** The id numbered {@code counter} of the thread with prefix {@code prefix}. */
  public static String id(long prefix, long counter) {
    return new UUID((prefix & ~0xF000L) | 0x4000L, (counter & ~(0xC000L << 48)) | (0x8000L << 48)).toString();
  }
}
