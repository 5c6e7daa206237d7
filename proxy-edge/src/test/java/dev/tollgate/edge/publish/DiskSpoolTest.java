package dev.tollgate.edge.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpoolTest {

  private static final long MAX = 1024 * 1024;

  @TempDir
  Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Reads every sealed segment in order, acknowledging and deleting as the replayer does. */
  private static List<String> drain(DiskSpool spool) throws IOException {
    List<String> out = new ArrayList<>();
    spool.roll();
    Path segment;
    while ((segment = spool.oldestSealed()) != null) {
      try (DiskSpool.Reader reader = spool.reader(segment, spool.replayPosition(segment))) {
        DiskSpool.Entry entry;
        int n = 0;
        while ((entry = reader.next()) != null) {
          out.add(new String(entry.key(), StandardCharsets.UTF_8) + "=" + new String(entry.value(), StandardCharsets.UTF_8));
          n++;
        }
        spool.acknowledge(segment, reader.position(), n);
      }
      spool.delete(segment);
    }
    return out;
  }

  @Test
  void replaysRecordsInAppendOrderAcrossSegments() throws IOException {
    try (DiskSpool spool = DiskSpool.open(dir, 64 * 1024, Duration.ofSeconds(1))) { // 4 KiB segments
      for (int i = 0; i < 100; i++) {
        assertThat(spool.append(bytes("k" + i), bytes("v".repeat(100) + i))).isTrue();
      }
      assertThat(spool.records()).isEqualTo(100);

      List<String> replayed = drain(spool);

      assertThat(replayed).hasSize(100);
      for (int i = 0; i < 100; i++) {
        assertThat(replayed.get(i)).isEqualTo("k" + i + "=" + "v".repeat(100) + i);
      }
      assertThat(spool.records()).isZero();
      assertThat(spool.bytes()).isZero();
      assertThat(spool.corruptRecords()).isZero();
    }
  }

  @Test
  void keepsEverythingAcrossARestartAndResumesAfterTheAcknowledgedPosition() throws IOException {
    try (DiskSpool spool = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      for (int i = 0; i < 10; i++) {
        spool.append(bytes("k" + i), bytes("v" + i));
      }
      spool.roll();
      Path segment = spool.oldestSealed();
      try (DiskSpool.Reader reader = spool.reader(segment, 0)) {
        for (int i = 0; i < 4; i++) {
          reader.next();
        }
        spool.acknowledge(segment, reader.position(), 4);
      }
      spool.append(bytes("k10"), bytes("v10")); // in the active segment at shutdown
    }

    try (DiskSpool reopened = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      assertThat(reopened.records()).isEqualTo(7);
      assertThat(drain(reopened)).containsExactly("k4=v4", "k5=v5", "k6=v6", "k7=v7", "k8=v8", "k9=v9", "k10=v10");
    }
  }

  @Test
  void refusesAppendsOnceFull() throws IOException {
    try (DiskSpool spool = DiskSpool.open(dir, 64 * 1024, Duration.ofSeconds(1))) {
      int accepted = 0;
      while (spool.append(bytes("key"), new byte[1000])) {
        accepted++;
      }
      assertThat(accepted).isBetween(55, 64);
      assertThat(spool.bytes()).isLessThanOrEqualTo(64 * 1024);
      drain(spool);
      assertThat(spool.append(bytes("key"), new byte[1000])).isTrue(); // room again once replayed
    }
  }

  @Test
  void skipsATornTailRecordAndCountsIt() throws IOException {
    Path segment;
    try (DiskSpool spool = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      spool.append(bytes("a"), bytes("first"));
      spool.append(bytes("b"), bytes("second"));
      spool.roll();
      segment = spool.oldestSealed();
    }
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.setLength(file.length() - 3); // a write cut short by a crash
    }

    try (DiskSpool reopened = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      assertThat(drain(reopened)).containsExactly("a=first");
      assertThat(reopened.corruptRecords()).isEqualTo(1);
      assertThat(reopened.records()).isZero();
      assertThat(Files.exists(segment)).isFalse();
    }
  }

  @Test
  void detectsAFlippedByteByItsChecksum() throws IOException {
    Path segment;
    try (DiskSpool spool = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      spool.append(bytes("a"), bytes("first"));
      spool.append(bytes("b"), bytes("second"));
      spool.roll();
      segment = spool.oldestSealed();
    }
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.seek(file.length() - 2);
      file.write('X');
    }

    try (DiskSpool reopened = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      assertThat(drain(reopened)).containsExactly("a=first");
      assertThat(reopened.corruptRecords()).isEqualTo(1);
    }
  }

  @Test
  void treatsAFileWithoutTheMagicAsCorruptWithoutFailing() throws IOException {
    Files.write(dir.resolve("00000000000000000007.spool"), bytes("not a spool segment at all"));

    try (DiskSpool spool = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      spool.append(bytes("k"), bytes("v"));
      assertThat(drain(spool)).containsExactly("k=v");
      assertThat(spool.corruptRecords()).isEqualTo(1);
    }
  }

  @Test
  void refusesADirectoryAnotherSpoolHolds() throws IOException {
    try (DiskSpool first = DiskSpool.open(dir, MAX, Duration.ofSeconds(1))) {
      assertThatThrownBy(() -> DiskSpool.open(dir, MAX, Duration.ofSeconds(1)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("in use");
    }
  }
}
