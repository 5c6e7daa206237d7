package dev.tollgate.job.workflow;

import java.util.Arrays;

/**
 * The sequence numbers seen in one dedup lane ({@link EventIdKey}), as sorted, disjoint,
 * non-adjacent ranges. An edge thread numbers its events consecutively, so a lane's numbers arrive
 * nearly in order and the set stays one range, plus one per gap: an event still in flight (Kafka
 * partitions are read at different paces) or one never published. A gap closes when its events
 * arrive, and its ranges merge.
 *
 * <p>Invariant: {@code ranges[0..2 * count)} holds {@code [start, end)} pairs, with
 * {@code start < end} and each {@code end} strictly below the next {@code start}. Numbers are at
 * least 0 and below {@link Long#MAX_VALUE}.
 *
 * <p>Not thread-safe: one instance per key, used from the task thread (and copied by its
 * serializer for a snapshot).
 */
public final class SeenSequences {

  private long[] ranges;
  private int count;
  private long lastAdded;

  public SeenSequences() {
    this(new long[2], 0, 0);
  }

  SeenSequences(long[] ranges, int count, long lastAdded) {
    this.ranges = ranges;
    this.count = count;
    this.lastAdded = lastAdded;
  }

  /** When the last number was added (milliseconds, as given to {@link #add(long, long)}). */
  public long lastAdded() {
    return lastAdded;
  }

  /** Adds {@code sequence} at time {@code now}. */
  public void add(long sequence, long now) {
    add(sequence);
    lastAdded = now;
  }

  /** Whether {@code sequence} was added. */
  public boolean contains(long sequence) {
    int i = rangeAtOrBefore(sequence);
    return i >= 0 && sequence < ranges[2 * i + 1];
  }

  /** Adds {@code sequence}; a no-op if it is already in. */
  public void add(long sequence) {
    if (sequence < 0 || sequence == Long.MAX_VALUE) {
      throw new IllegalArgumentException("sequence out of range: " + sequence);
    }
    // The common case first: the number after the last range's.
    if (count > 0 && ranges[2 * count - 1] == sequence) {
      ranges[2 * count - 1] = sequence + 1;
      return;
    }
    int i = rangeAtOrBefore(sequence);
    if (i >= 0 && sequence < ranges[2 * i + 1]) {
      return;
    }
    boolean joinsPrevious = i >= 0 && ranges[2 * i + 1] == sequence;
    boolean joinsNext = i + 1 < count && ranges[2 * (i + 1)] == sequence + 1;
    if (joinsPrevious && joinsNext) {
      ranges[2 * i + 1] = ranges[2 * (i + 1) + 1];
      System.arraycopy(ranges, 2 * (i + 2), ranges, 2 * (i + 1), 2 * (count - i - 2));
      count--;
    } else if (joinsPrevious) {
      ranges[2 * i + 1] = sequence + 1;
    } else if (joinsNext) {
      ranges[2 * (i + 1)] = sequence;
    } else {
      if (2 * count == ranges.length) {
        ranges = Arrays.copyOf(ranges, 4 * count);
      }
      System.arraycopy(ranges, 2 * (i + 1), ranges, 2 * (i + 2), 2 * (count - i - 1));
      ranges[2 * (i + 1)] = sequence;
      ranges[2 * (i + 1) + 1] = sequence + 1;
      count++;
    }
  }

  /** How many ranges the set holds: 1 for numbers that all arrived, one more per gap. */
  public int rangeCount() {
    return count;
  }

  long start(int range) {
    return ranges[2 * range];
  }

  long end(int range) {
    return ranges[2 * range + 1];
  }

  SeenSequences copy() {
    return new SeenSequences(Arrays.copyOf(ranges, Math.max(2, 2 * count)), count, lastAdded);
  }

  /** The last range starting at or before {@code sequence}, or -1. */
  private int rangeAtOrBefore(long sequence) {
    int low = 0;
    int high = count - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      if (ranges[2 * mid] <= sequence) {
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return high;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeenSequences other && count == other.count && lastAdded == other.lastAdded
        && Arrays.equals(ranges, 0, 2 * count, other.ranges, 0, 2 * count);
  }

  @Override
  public int hashCode() {
    int h = 31 * count + Long.hashCode(lastAdded);
    for (int i = 0; i < 2 * count; i++) {
      h = 31 * h + Long.hashCode(ranges[i]);
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("SeenSequences[");
    for (int i = 0; i < count; i++) {
      s.append(i == 0 ? "" : ", ").append(start(i)).append("..").append(end(i));
    }
    return s.append(", last added ").append(lastAdded).append(']').toString();
  }
}
