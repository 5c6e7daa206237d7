package dev.tollgate.job.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Event ids as one edge thread makes them ({@code EventIds} in proxy-edge): a prefix and a counter. */
public final class EdgeIds {

  private EdgeIds() {}

  /** {@code count} consecutive ids of the thread with prefix {@code prefix}, from {@code counter}. */
  public static List<String> of(long prefix, long counter, int count) {
    long most = (prefix & ~0xF000L) | 0x4000L;
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(new UUID(most, ((counter + i) & ~(0xC000L << 48)) | (0x8000L << 48)).toString());
    }
    return ids;
  }
}
