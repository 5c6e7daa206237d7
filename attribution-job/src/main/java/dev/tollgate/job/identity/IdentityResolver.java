package dev.tollgate.job.identity;

import dev.tollgate.job.row.Invocation;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides who an invocation is charged to. Precedence, field by field: the explicit
 * {@code X-Tollgate-*} value the edge recorded in the event, then the directory entry for the
 * call's key fingerprint, then the default (tenant {@code default}, everything else empty).
 *
 * <p>Stateless apart from the directory it reads; thread-safety is the directory's.
 */
public final class IdentityResolver {

  /** Tenant of calls that name none (the edge normally fills it in already). */
  public static final String DEFAULT_TENANT = "default";

  private final Directory directory;

  public IdentityResolver(Directory directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
  }

  /** Fills tenant, team, user, service and cost centre on {@code row} in place. */
  public void enrich(Invocation row) {
    Optional<DirectoryEntry> found =
        row.keyFingerprint.isEmpty() ? Optional.empty() : directory.lookup(row.keyFingerprint);
    DirectoryEntry entry = found.orElse(null);
    row.tenant = pick(row.tenant, entry == null ? "" : entry.tenant(), DEFAULT_TENANT);
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
