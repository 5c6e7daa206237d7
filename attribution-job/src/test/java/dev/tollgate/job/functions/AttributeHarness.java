package dev.tollgate.job.functions;

import dev.tollgate.job.AttributionJob;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import dev.tollgate.job.workflow.EventIdKey;
import dev.tollgate.job.workflow.SeenSequences;
import dev.tollgate.job.workflow.SeenSequencesSerializer;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;

/** Operator harnesses around {@link AttributeFunction}, fed event records keyed by dedup lane as in the job. */
public final class AttributeHarness {

  static final Duration TTL = Duration.ofHours(24);

  private AttributeHarness() {}

  /** An opened harness: bundled catalog, edge default tenant {@code defaultTenant}. */
  public static KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> open(String defaultTenant)
      throws Exception {
    var harness = create(defaultTenant);
    harness.open();
    return harness;
  }

  /** An opened harness whose keyed state is in RocksDB (the job's other backend), set up as the job's. */
  public static KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> openOnRocksDb()
      throws Exception {
    var harness = create("default");
    harness.setStateBackend(new EmbeddedRocksDBStateBackend().configure(
        AttributionJob.stateConfiguration(AttributionConfig.STATE_BACKEND_ROCKSDB),
        AttributeHarness.class.getClassLoader()));
    harness.open();
    return harness;
  }

  /** The dedup state's descriptor, as the function declares it. */
  static final ValueStateDescriptor<SeenSequences> SEEN =
      new ValueStateDescriptor<>(AttributeFunction.SEEN_STATE, SeenSequencesSerializer.TYPE);

  /** The keyed state backend of a harness from {@link #openOnRocksDb}. */
  @SuppressWarnings("unchecked") // keyed by dedup lane
  static RocksDBKeyedStateBackend<String> rocksDbBackend(
      KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness) {
    return (RocksDBKeyedStateBackend<String>) (RocksDBKeyedStateBackend<?>) harness.getOperator()
        .getKeyedStateBackend();
  }

  /** A harness restored from {@code snapshot}, opened. */
  public static KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> restore(
      OperatorSubtaskState snapshot, long ttlTime) throws Exception {
    var harness = create("default");
    harness.setProcessingTime(ttlTime);
    harness.initializeState(snapshot);
    harness.open();
    return harness;
  }

  private static KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> create(
      String defaultTenant) throws Exception {
    return new KeyedBroadcastOperatorTestHarness<>(
        new CoBroadcastWithKeyedOperator<>(new AttributeFunction(TTL, "", defaultTenant),
            List.of(AttributeFunction.DIRECTORY, AttributeFunction.PRICE_OVERRIDES)),
        EventIdKey.INSTANCE, EventIdKey.TYPE, 1, 1, 0);
  }

  /** Sends {@code record} and returns the row that came out for it (null when it was dropped). */
  public static Invocation send(KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness,
      byte[] record) throws Exception {
    int before = harness.extractOutputValues().size();
    harness.processElement(record, 0);
    List<Invocation> out = harness.extractOutputValues();
    return out.size() == before ? null : out.get(out.size() - 1);
  }

  /** Ids kept by the dedup state (expired ones included until swept). */
  static int keyedStateEntries(KeyedBroadcastOperatorTestHarness<String, byte[], TableUpdate, Invocation> harness) {
    return ((HeapKeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend()).numKeyValueStateEntries();
  }
}
