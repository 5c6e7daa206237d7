package dev.tollgate.job.identity;

import dev.tollgate.job.row.Invocation;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides who an invocation is charged to. Precedence, field by field: the explicit
 * {@code X-Tollgate-*} value the edge recorded in the event, then the directory entry for the
 * call's key fingerprint, then the default (the edge's default tenant, everything else empty).
 *
 * <p>The tenant needs one more rule: the edge always records one, filling in its configured
 * {@code edge.default_tenant} when the call sends no {@code X-Tollgate-Tenant}. So an event tenant
 * equal to that default counts as "not explicit" and the directory may replace it; a call that
 * sends {@code X-Tollgate-Tenant} with exactly the default value is indistinguishable and is
 * treated the same way.
 *
 * <p>Stateless apart from the directory it reads; thread-safety is the directory's.
 */
public final class IdentityResolver {

  /** The edge's default tenant when the deployment does not configure one. */
  public static final String DEFAULT_TENANT = "default";

  private final Directory directory;
  private final String defaultTenant;

  public IdentityResolver(Directory directory) {
    this(directory, DEFAULT_TENANT);
  }

  /** {@code defaultTenant}: the edge's {@code edge.default_tenant}. */
  public IdentityResolver(Directory directory, String defaultTenant) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.defaultTenant = Objects.requireNonNull(defaultTenant, "defaultTenant");
  }

  /** Fills tenant, team, user, service and cost centre on {@code row} in place. */
  public void enrich(Invocation row) {
    Optional<DirectoryEntry> found =
        row.keyFingerprint.isEmpty() ? Optional.empty() : directory.lookup(row.keyFingerprint);
    DirectoryEntry entry = found.orElse(null);
    String explicitTenant = defaultTenant.equals(row.tenant) ? "" : row.tenant;
    row.tenant = pick(explicitTenant, entry == null ? "" : entry.tenant(), defaultTenant);
    row.team = pick(row.team, entry == null ? "" : entry.team(), "");
    row.user = pick(row.user, entry == null ? "" : entry.user(), "");
    row.service = pick(row.service, entry == null ? "" : entry.service(), "");
    row.costCenter = pick(row.costCenter, entry == null ? "" : entry.costCenter(), "");
  }

  private static String pick(String explicit, String fromDirectory, String fallback) {
    if (explicit != null && !explicit.isBlank()) {
      return explicit;
    }
    if (!fromDirectory.isBlank()) {
      return fromDirectory;
    }
    return fallback;
  }
}
