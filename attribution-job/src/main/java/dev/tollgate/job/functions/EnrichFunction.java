package dev.tollgate.job.functions;

import dev.tollgate.job.identity.Directory;
import dev.tollgate.job.identity.IdentityResolver;
import dev.tollgate.job.row.Invocation;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Attaches identity (tenant, team, user, service, cost centre) to each invocation: explicit
 * {@code X-Tollgate-*} values win, then the directory, then defaults.
 *
 * <p>Today the directory is empty; the directory topic will turn this into a broadcast-state
 * function that feeds its {@link Directory} from broadcast state, keeping {@link IdentityResolver}.
 * One instance per subtask, called from the task thread only.
 */
public final class EnrichFunction implements MapFunction<Invocation, Invocation> {

  private static final long serialVersionUID = 1L;

  private transient IdentityResolver resolver;

  @Override
  public Invocation map(Invocation row) {
    if (resolver == null) {
      resolver = new IdentityResolver(Directory.EMPTY);
    }
    resolver.enrich(row);
    return row;
  }
}
