package dev.tollgate.analytics.config;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * One configured API token: the SHA-256 hex of the secret handed to the user (never the secret
 * itself), the tenant it reads, and the teams it is restricted to (empty: every team).
 *
 * <p>Immutable.
 */
public record ApiToken(String name, String sha256, String tenant, Set<String> teams) {

  public ApiToken {
    requireNonNull(name, "name");
    requireNonNull(sha256, "sha256");
    requireNonNull(tenant, "tenant");
    teams = Set.copyOf(requireNonNull(teams, "teams"));
  }
}
