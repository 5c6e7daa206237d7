package dev.tollgate.edge.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The ways a fuzz target cuts one input into the reads a connection could deliver: whole, one
 * byte at a time, and at pseudo-random points chosen by a seed taken from the fuzz input (so a
 * finding replays exactly). Stateless.
 */
final class Chunks {

  private Chunks() {}

  /** The three splits every split-invariance check compares: whole, byte by byte, random. */
  static List<List<byte[]>> splits(byte[] body, long seed) {
    return List.of(List.of(body), oneByOne(body), random(body, seed));
  }

  static List<byte[]> oneByOne(byte[] body) {
    List<byte[]> chunks = new ArrayList<>(body.length);
    for (byte b : body) {
      chunks.add(new byte[] {b});
    }
    return chunks;
  }

  /** Chunks of 1..64 bytes, sizes drawn from {@code seed}. */
  static List<byte[]> random(byte[] body, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<byte[]> chunks = new ArrayList<>();
    int at = 0;
    while (at < body.length) {
      int size = Math.min(body.length - at, 1 + random.nextInt(64));
      chunks.add(Arrays.copyOfRange(body, at, at + size));
      at += size;
    }
    return chunks;
  }

  /** The seed in bytes {@code [1, 4)} of a fuzz input whose byte 0 selects the target. */
  static long seed(byte[] input) {
    return ((input[1] & 0xffL) << 16) | ((input[2] & 0xffL) << 8) | (input[3] & 0xffL);
  }
}
