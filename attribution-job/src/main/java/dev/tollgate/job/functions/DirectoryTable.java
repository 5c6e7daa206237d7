package dev.tollgate.job.functions;

import dev.tollgate.job.identity.Directory;
import dev.tollgate.job.identity.DirectoryEntry;
import dev.tollgate.job.row.TableUpdate;
import java.util.Optional;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key directory as broadcast state {@value #STATE_NAME}: key fingerprint -> entry, fed by the
 * compacted directory topic. Invariant: the state holds exactly the topic's live keys (an update
 * replaces its key, a tombstone removes it, an invalid value is rejected and changes nothing), so
 * an update applies to every event processed after it, without a restart, and a restore from a
 * checkpoint brings back the directory as of that checkpoint.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
final class DirectoryTable implements Directory {

  private static final Logger log = LoggerFactory.getLogger(DirectoryTable.class);

  static final String STATE_NAME = "directory";

  /** The broadcast state descriptor; the update stream is broadcast with it. */
  static final MapStateDescriptor<String, DirectoryEntry> DESCRIPTOR =
      new MapStateDescriptor<>(STATE_NAME, Types.STRING, Types.POJO(DirectoryEntry.class));

  private final Counter updates;
  private final Counter rejected;
  /** The state handed with the element being processed; lookups read it. */
  private ReadOnlyBroadcastState<String, DirectoryEntry> state;

  DirectoryTable(MetricGroup metrics) {
    updates = metrics.counter("job_directory_updates");
    rejected = metrics.counter("job_directory_rejected");
  }

  /** Points lookups at the state of the element about to be processed. */
  void readFrom(ReadOnlyBroadcastState<String, DirectoryEntry> current) {
    state = current;
  }

  @Override
  public Optional<DirectoryEntry> lookup(String keyFingerprint) {
    try {
      return Optional.ofNullable(state.get(keyFingerprint));
    } catch (Exception e) {
      // The heap broadcast state does not fail; anything else is a bug worth failing the task.
      throw new IllegalStateException("directory state read failed", e);
    }
  }

  /** Applies one record of the directory topic to {@code target}. */
  void apply(TableUpdate update, BroadcastState<String, DirectoryEntry> target) throws Exception {
    if (update.isTombstone()) {
      target.remove(update.key);
      updates.inc();
      log.info("directory entry removed, key_fingerprint={}", update.key);
      return;
    }
    DirectoryEntry entry;
    try {
      entry = DirectoryEntry.fromJson(update.value);
    } catch (IllegalArgumentException e) {
      rejected.inc();
      log.warn("directory update rejected, key_fingerprint={}, reason={}", update.key, e.getMessage());
      return;
    }
    target.put(update.key, entry);
    updates.inc();
    log.info("directory entry set, key_fingerprint={}", update.key);
  }
}
