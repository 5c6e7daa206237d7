package dev.tollgate.analytics.auth;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * Who a request acts for: the token's name (for logs), its tenant and, when restricted, its teams
 * (empty: every team of the tenant).
 *
 * <p>Immutable.
 */
public record Principal(String tokenName, String tenant, Set<String> teams) {

  public Principal {
    requireNonNull(tokenName, "tokenName");
    requireNonNull(tenant, "tenant");
    teams = Set.copyOf(requireNonNull(teams, "teams"));
  }

  /** True when the token may only see some teams. */
  public boolean teamRestricted() {
    return !teams.isEmpty();
  }
}
