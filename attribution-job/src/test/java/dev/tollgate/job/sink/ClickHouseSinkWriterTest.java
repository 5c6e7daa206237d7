package dev.tollgate.job.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.workflow.EventIdSerializer;
import java.io.IOException;
import java.time.Duration;
import dev.tollgate.clickhouse.SpendRollup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.io.UncheckedIOException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.util.concurrent.Executors;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ClickHouseSinkWriterTest {

  /** Records batch sizes; fails on demand. */
  private static final class RecordingInserter implements RowInserter {
    final List<Integer> batches = new ArrayList<>();
    boolean fail;
    boolean closed;

    @Override
    public void insert(InvocationBlock block) throws IOException {
      if (fail) {
        throw new IOException("server down");
      }
      assertThat(block.rows()).isPositive();
      batches.add(block.rows());
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** A processing-time service whose clock and timers the test drives. */
  private static final class ManualTime implements ProcessingTimeService {
    long now;
    final List<long[]> due = new ArrayList<>();
    final List<ProcessingTimeCallback> callbacks = new ArrayList<>();

    @Override
    public long getCurrentProcessingTime() {
      return now;
    }

    @Override
    public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback callback) {
      due.add(new long[] {timestamp});
      callbacks.add(callback);
      return null;
    }

    void advanceTo(long time) throws Exception {
      now = time;
      for (int i = 0; i < due.size(); i++) {
        if (due.get(i)[0] <= time) {
          due.remove(i);
          callbacks.remove(i).onProcessingTime(time);
          i--;
        }
      }
    }
  }

  private final RecordingInserter inserter = new RecordingInserter();
  private final ManualTime time = new ManualTime();
  private final SimpleCounter rows = new SimpleCounter();
  private final ClickHouseSinkWriter writer = new ClickHouseSinkWriter(inserter,
      new ClickHouseSinkSettings("http://127.0.0.1:1", "default", "", "db", 3, Duration.ofMillis(500)),
      time, () -> 1_700_000_000_000L, rows, new SimpleCounter(), Executors.newDirectExecutorService());

  private void write(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      writer.write(TestEvents.row("e-" + i, "gpt-4o"), null);
    }
  }

  @Test
  void insertsABatchWhenMaxRowsAreBuffered() throws Exception {
    write(7);

    assertThat(inserter.batches).containsExactly(3, 3);
    assertThat(writer.bufferedRows()).isEqualTo(1);
    assertThat(rows.getCount()).isEqualTo(6);
  }

  @Test
  void insertsWhatIsBufferedWhenMaxDelayHasPassed() throws Exception {
    write(2);
    time.advanceTo(499);
    assertThat(inserter.batches).isEmpty();

    time.advanceTo(500);

    assertThat(inserter.batches).containsExactly(2);
    assertThat(writer.bufferedRows()).isZero();
  }

  @Test
  void insertsEverythingOnFlushBeforeACheckpoint() throws Exception {
    write(2);

    writer.flush(false);
    writer.flush(false);

    assertThat(inserter.batches).containsExactly(2);
    assertThat(writer.bufferedRows()).isZero();
  }

  @Test
  void failsTheFlushWhenTheInsertFails() throws Exception {
    write(2);
    inserter.fail = true;

    assertThatThrownBy(() -> writer.flush(false)).isInstanceOf(IOException.class).hasMessage("server down");
    assertThat(rows.getCount()).isZero();
  }

  @Test
  void encodesTheNextBatchWhileAnInsertIsInFlightAndFlushWaitsForIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> batches = new CopyOnWriteArrayList<>();
    RowInserter slow = new RowInserter() {
      @Override
      public void insert(InvocationBlock block) throws IOException {
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
        batches.add(block.rows());
      }

      @Override
      public void close() {}
    };
    ExecutorService inserts = java.util.concurrent.Executors.newSingleThreadExecutor();
    ClickHouseSinkWriter async = new ClickHouseSinkWriter(slow,
        new ClickHouseSinkSettings("http://127.0.0.1:1", "default", "", "db", 3, Duration.ofMillis(500)),
        time, () -> 1_700_000_000_000L, new SimpleCounter(), new SimpleCounter(), inserts);
    try {
      for (int i = 0; i < 5; i++) {
        async.write(TestEvents.row("e-" + i, "gpt-4o"), null);
      }
      assertThat(async.bufferedRows()).as("3 handed to the insert, 2 written meanwhile").isEqualTo(2);
      assertThat(batches).as("the insert is still in flight").isEmpty();

      Thread flusher = new Thread(() -> {
        try {
          async.flush(false);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      flusher.start();
      flusher.join(200);
      assertThat(flusher.isAlive()).as("flush waits for the insert in flight").isTrue();

      release.countDown();
      flusher.join(10_000);
      assertThat(flusher.isAlive()).isFalse();
      assertThat(batches).as("one insert at a time, in order").containsExactly(3, 2);
      assertThat(async.bufferedRows()).isZero();
    } finally {
      release.countDown();
      async.close();
    }
    assertThat(inserts.isShutdown()).isTrue();
  }

  @Test
  void closesTheInserter() throws Exception {
    writer.close();

    assertThat(inserter.closed).isTrue();
  }

  @Test
  void prepareCommitHandsOverEveryRowWrittenSinceTheLastCheckpointAsOneBatch() throws Exception {
    write(4); // 3 inserted by size, 1 buffered

    Collection<SpendBatch> first = writer.prepareCommit();

    assertThat(inserter.batches).as("every row is in invocations before its batch exists").containsExactly(3, 1);
    assertThat(first).singleElement().satisfies(batch -> {
      assertThat(batch.size()).isEqualTo(4);
      assertThat(batch.batchId()).matches("b-[0-9a-f]{32}");
      assertThat(batch.hasEventIds()).as("its rows carry its id instead").isFalse();
      long ts = TestEvents.RECEIVED_AT_US / 1_000_000;
      assertThat(batch.hours()).containsExactly(ts - ts % 3600);
      assertThat(batch.rollupRowCount()).as("one group: same tenant, hour and dimensions").isEqualTo(1);
    });
    assertThat(writer.prepareCommit()).as("nothing written since").isEmpty();
    write(1);
    assertThat(writer.prepareCommit()).singleElement().as("the next batch, a new id")
        .satisfies(batch -> assertThat(batch.batchId()).isNotEqualTo(first.iterator().next().batchId()));
  }

  @Test
  void aBatchKnowsEachHourItsEventsFallIn() throws Exception {
    long base = TestEvents.RECEIVED_AT_US / 1_000_000;
    long hour = base - base % 3600;
    for (long offset : new long[] {2 * 3600, 0, 2 * 3600 + 5, -3600, 0}) {
      Invocation row = TestEvents.row("e-" + offset, "gpt-4o");
      row.receivedAtUs = (hour + offset) * 1_000_000;
      writer.write(row, null);
    }

    assertThat(writer.prepareCommit()).singleElement().satisfies(batch -> {
      assertThat(batch.size()).isEqualTo(5);
      assertThat(batch.hours()).containsExactly(hour - 3600, hour, hour + 2 * 3600);
    });
  }

  @Test
  void eachGroupOfTheBatchBecomesOneRollupRowInTheRollupTablesColumnOrder() throws Exception {
    Invocation other = TestEvents.row("e-x", "gpt-4o");
    other.team = "other";
    write(2);
    writer.write(other, null);

    assertThat(writer.prepareCommit()).singleElement()
        .satisfies(batch -> assertThat(batch.rollupRowCount()).isEqualTo(2));
    assertThat(BatchRollup.COLUMNS).containsExactly("tenant", "hour", "team", "user", "service", "environment",
        "provider", "model", "key_fingerprint", "operation", "status_code", "requests", "errors",
        "unpriced_requests", "input_tokens", "cache_read_input_tokens", "cache_write_input_tokens",
        "cache_write_1h_input_tokens", "output_tokens", "reasoning_tokens", "cost_nanos", "latency_buckets",
        "latency_counts", "ttft_buckets", "ttft_counts", "batch_id", "version");
  }

  @Test
  void batchesSurviveTheCheckpointFormat() throws Exception {
    SpendBatchSerializer serializer = new SpendBatchSerializer();
    SpendBatch batch = SpendBatch.written("b-0123", 5, new long[] {0, 7_200}, new byte[] {1, 2, 3, 4, 5}, 2);

    SpendBatch back = serializer.deserialize(serializer.getVersion(), serializer.serialize(batch));

    assertThat(back).isEqualTo(batch);
    assertThat(back.hasEventIds()).isFalse();
    assertThat(back.size()).isEqualTo(5);
    assertThat(back.hours()).containsExactly(0, 7_200);
    assertThat(back.rollupRows()).containsExactly(1, 2, 3, 4, 5);
    assertThat(back.rollupRowCount()).isEqualTo(2);
    assertThat(serializer.serialize(back)).as("a pending batch is encoded once, then kept")
        .isSameAs(serializer.serialize(back)).isEqualTo(serializer.serialize(batch));
    assertThatThrownBy(() -> serializer.deserialize(99, new byte[0])).hasMessageContaining("expected: 1 to 4");
    assertThatThrownBy(() -> SpendBatch.written("b-1", 5, new long[] {7_200, 0}, new byte[] {1}, 1))
        .hasMessageContaining("ascending");
  }

  @Test
  void aBatchOfAnOlderFormatKeepsItsEventIdsInTheCurrentOne() throws Exception {
    String uuid = "0b8e4f2a-93c1-4d7e-8f00-5a6b7c8d9e0f";
    String[] ids = {"a", "b\u00e9", uuid};
    SpendBatch batch = new SpendBatch(SpendRollup.batchIdOf(List.of(ids)), ids, new long[] {10, 3_700, 20},
        new byte[] {1, 2, 3, 4, 5}, 2);
    SpendBatchSerializer serializer = new SpendBatchSerializer();
    // Version 3: (event id, ts) pairs, then the rollup rows.
    DataOutputSerializer v3 = new DataOutputSerializer(64);
    v3.writeUTF(batch.batchId());
    v3.writeInt(3);
    for (int i = 0; i < 3; i++) {
      EventIdSerializer.INSTANCE.serialize(ids[i], v3);
      v3.writeLong(batch.tsSeconds(i));
    }
    v3.writeInt(2);
    v3.writeInt(5);
    v3.write(new byte[] {1, 2, 3, 4, 5});

    SpendBatch fromV3 = serializer.deserialize(3, v3.getCopyOfBuffer());
    SpendBatch again = serializer.deserialize(serializer.getVersion(), serializer.serialize(fromV3));

    assertThat(fromV3).isEqualTo(batch);
    assertThat(again).isEqualTo(batch);
    assertThat(again.hasEventIds()).isTrue();
    assertThat(again.eventId(1)).isEqualTo("b\u00e9");
    assertThat(again.maxTsSeconds()).isEqualTo(3_700);
    assertThat(again.hours()).containsExactly(0, 3_600);
    SpendBatch withoutRollup = new SpendBatch(ids, new long[] {10, 3_700, 20});
    assertThat(serializer.deserialize(serializer.getVersion(), serializer.serialize(withoutRollup)))
        .isEqualTo(withoutRollup);
  }

  @Test
  void readsBatchesCheckpointedInTheSecondFormatAsBatchesWithoutRollupRows() throws Exception {
    String uuid = "0b8e4f2a-93c1-4d7e-8f00-5a6b7c8d9e0f";
    SpendBatch batch = new SpendBatch(new String[] {uuid, "x"}, new long[] {5, 6});
    DataOutputSerializer v2 = new DataOutputSerializer(64);
    v2.writeUTF(batch.batchId());
    v2.writeInt(2);
    EventIdSerializer.INSTANCE.serialize(uuid, v2);
    v2.writeLong(5);
    EventIdSerializer.INSTANCE.serialize("x", v2);
    v2.writeLong(6);

    SpendBatch back = new SpendBatchSerializer().deserialize(2, v2.getCopyOfBuffer());

    assertThat(back).isEqualTo(batch);
    assertThat(back.hasRollupRows()).isFalse();
  }

  @Test
  void readsBatchesCheckpointedInTheFirstFormat() throws Exception {
    SpendBatch batch = new SpendBatch(new String[] {"0b8e4f2a-93c1-4d7e-8f00-5a6b7c8d9e0f", "x"}, new long[] {5, 6});
    DataOutputSerializer v1 = new DataOutputSerializer(64);
    v1.writeUTF(batch.batchId());
    v1.writeInt(2);
    v1.writeUTF("0b8e4f2a-93c1-4d7e-8f00-5a6b7c8d9e0f");
    v1.writeLong(5);
    v1.writeUTF("x");
    v1.writeLong(6);

    assertThat(new SpendBatchSerializer().deserialize(1, v1.getCopyOfBuffer())).isEqualTo(batch);
  }
}
