package dev.tollgate.job.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class SeenSequencesTest {

  @Test
  void agreesWithASetOfNumbersAddedInAnyOrder() {
    Random random = new Random(11);
    for (int round = 0; round < 200; round++) {
      SeenSequences seen = new SeenSequences();
      TreeSet<Long> model = new TreeSet<>();
      long base = random.nextInt(3) == 0 ? 0 : random.nextLong() >>> 8;
      for (int i = 0; i < 300; i++) {
        long n = base + random.nextInt(200);
        assertThat(seen.contains(n)).as("before adding %d", n).isEqualTo(model.contains(n));
        seen.add(n);
        model.add(n);
      }
      for (long n = base; n < base + 210; n++) {
        assertThat(seen.contains(n)).as("%d in %s", n, seen).isEqualTo(model.contains(n));
      }
      assertThat(seen.rangeCount()).isEqualTo(runs(model));
    }
  }

  @Test
  void numbersArrivingOutOfOrderCloseTheirGapsIntoOneRange() {
    List<Long> numbers = new ArrayList<>();
    for (long n = 1_000; n < 11_000; n++) {
      numbers.add(n);
    }
    Collections.shuffle(numbers, new Random(5));
    SeenSequences seen = new SeenSequences();
    numbers.forEach(seen::add);

    assertThat(seen.rangeCount()).isEqualTo(1);
    assertThat(seen.contains(999)).isFalse();
    assertThat(seen.contains(1_000)).isTrue();
    assertThat(seen.contains(10_999)).isTrue();
    assertThat(seen.contains(11_000)).isFalse();
  }

  @Test
  void refusesNumbersOutsideItsRange() {
    assertThatThrownBy(() -> new SeenSequences().add(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SeenSequences().add(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void serializesAndCopiesDeeply() throws IOException {
    SeenSequences seen = new SeenSequences();
    for (long n : new long[] {7, 8, 9, 20, 1L << 55, 0}) {
      seen.add(n, 1_700_000_000_000L + n);
    }
    DataOutputSerializer out = new DataOutputSerializer(64);
    SeenSequencesSerializer.INSTANCE.serialize(seen, out);
    SeenSequences read = SeenSequencesSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(read).isEqualTo(seen);
    assertThat(read.rangeCount()).isEqualTo(4);
    assertThat(read.lastAdded()).isEqualTo(1_700_000_000_000L);

    SeenSequences copy = SeenSequencesSerializer.INSTANCE.copy(seen);
    copy.add(10);
    copy.add(100);
    assertThat(seen.contains(10)).as("the original is untouched").isFalse();
    assertThat(seen.contains(100)).isFalse();
    assertThat(copy.contains(10)).isTrue();
  }

  @Test
  void refusesACorruptRecord() {
    DataOutputSerializer out = new DataOutputSerializer(64);
    try {
      out.writeLong(1_000);
      out.writeInt(2);
      out.writeLong(10);
      out.writeLong(20);
      out.writeLong(15); // overlaps the first range
      out.writeLong(30);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertThatThrownBy(() -> SeenSequencesSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
        .isInstanceOf(IOException.class).hasMessageContaining("out of order");
  }

  private static int runs(TreeSet<Long> numbers) {
    int runs = 0;
    Long previous = null;
    for (long n : numbers) {
      if (previous == null || n != previous + 1) {
        runs++;
      }
      previous = n;
    }
    return runs;
  }
}
