package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import dev.tollgate.analytics.auth.Principal;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The rows a token may see: one tenant, and when the token is team-restricted, those teams only.
 * It is the only source of the tenant condition and {@link ScopedSelect} cannot be built without
 * one, so no query can leave it out.
 *
 * <p>Immutable and thread-safe.
 */
public final class TenantScope {

  private final Principal principal;

  private TenantScope(Principal principal) {
    this.principal = principal;
  }

  /** The scope of {@code principal}'s token. */
  public static TenantScope of(Principal principal) {
    return new TenantScope(requireNonNull(principal, "principal"));
  }

  public Principal principal() {
    return principal;
  }

  /** True when {@code team} is visible in this scope. */
  public boolean allowsTeam(String team) {
    return !principal.teamRestricted() || principal.teams().contains(team);
  }

  /** The WHERE condition every query starts with. */
  String condition() {
    String tenant = "tenant = " + SqlLiteral.quote(principal.tenant());
    if (!principal.teamRestricted()) {
      return tenant;
    }
    // Sorted so the same token always yields the same SQL (exact-SQL tests, query caches).
    return tenant + " AND team IN (" + new TreeSet<>(principal.teams()).stream()
        .map(SqlLiteral::quote).collect(Collectors.joining(", ")) + ")";
  }
}
