package dev.tollgate.job.identity;

/**
 * What the identity directory knows about one provider key (by its fingerprint): who to charge.
 * Empty strings mean "the directory does not say".
 *
 * <p>Immutable and thread-safe.
 */
public record DirectoryEntry(String tenant, String team, String user, String service, String costCenter) {

  public DirectoryEntry {
    tenant = tenant == null ? "" : tenant;
    team = team == null ? "" : team;
    user = user == null ? "" : user;
    service = service == null ? "" : service;
    costCenter = costCenter == null ? "" : costCenter;
  }
}
