package dev.tollgate.job.functions;

import dev.tollgate.job.identity.Directory;
import dev.tollgate.job.identity.DirectoryEntry;
import dev.tollgate.job.identity.IdentityResolver;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import java.util.Objects;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attaches identity (tenant, team, user, service, cost centre) to each invocation: explicit
 * {@code X-Tollgate-*} values win, then the directory, then defaults (see {@link IdentityResolver}
 * for the tenant rule).
 *
 * <p>The directory is the broadcast state {@value #STATE_NAME}: key fingerprint -> entry, fed by
 * the compacted directory topic. Invariant: the state holds exactly the topic's live keys (an
 * update replaces its key, a tombstone removes it, an invalid value is rejected and changes
 * nothing), so an update applies to every event processed after it, without a restart, and a
 * restore from a checkpoint brings back the directory as of that checkpoint.
 *
 * <p>One instance per subtask, called from the task thread only.
 */
public final class EnrichFunction extends BroadcastProcessFunction<Invocation, TableUpdate, Invocation> {

  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(EnrichFunction.class);

  static final String STATE_NAME = "directory";

  /** The broadcast state descriptor; the directory stream is broadcast with this same descriptor. */
  public static final MapStateDescriptor<String, DirectoryEntry> DIRECTORY =
      new MapStateDescriptor<>(STATE_NAME, Types.STRING, Types.POJO(DirectoryEntry.class));

  private final String defaultTenant;

  private transient StateDirectory directory;
  private transient IdentityResolver resolver;
  private transient Counter updates;
  private transient Counter rejected;

  /** {@code defaultTenant}: the edge's {@code edge.default_tenant}, read as "not explicit". */
  public EnrichFunction(String defaultTenant) {
    this.defaultTenant = Objects.requireNonNull(defaultTenant, "defaultTenant");
  }

  @Override
  public void open(OpenContext openContext) {
    directory = new StateDirectory();
    resolver = new IdentityResolver(directory, defaultTenant);
    var group = getRuntimeContext().getMetricGroup().addGroup("tollgate");
    updates = group.counter("job_directory_updates");
    rejected = group.counter("job_directory_rejected");
  }

  @Override
  public void processElement(Invocation row, ReadOnlyContext ctx, Collector<Invocation> out) {
    directory.state = ctx.getBroadcastState(DIRECTORY);
    resolver.enrich(row);
    out.collect(row);
  }

  @Override
  public void processBroadcastElement(TableUpdate update, Context ctx, Collector<Invocation> out) throws Exception {
    var state = ctx.getBroadcastState(DIRECTORY);
    if (update.isTombstone()) {
      state.remove(update.key);
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
    state.put(update.key, entry);
    updates.inc();
    log.info("directory entry set, key_fingerprint={}", update.key);
  }

  /** The resolver's view of the broadcast state handed to the current element. */
  private static final class StateDirectory implements Directory {
    ReadOnlyBroadcastState<String, DirectoryEntry> state;

    @Override
    public Optional<DirectoryEntry> lookup(String keyFingerprint) {
      try {
        return Optional.ofNullable(state.get(keyFingerprint));
      } catch (Exception e) {
        // The heap broadcast state does not fail; anything else is a bug worth failing the task.
        throw new IllegalStateException("directory state read failed", e);
      }
    }
  }
}
