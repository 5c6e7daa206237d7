package dev.tollgate.job.sink;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how the ClickHouse sink writes: server, credentials, database, and the batch policy
 * (flush at {@code maxRows} buffered rows or {@code maxDelay} after the first buffered row).
 *
 * <p>Immutable and thread-safe.
 */
public record ClickHouseSinkSettings(
    String url, String user, String password, String database, int maxRows, Duration maxDelay)
    implements Serializable {

  public ClickHouseSinkSettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    password = password == null ? "" : password;
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (maxRows <= 0) {
      throw new IllegalArgumentException("maxRows: " + maxRows + " (expected: > 0)");
    }
    if (maxDelay.isNegative() || maxDelay.isZero()) {
      throw new IllegalArgumentException("maxDelay: " + maxDelay + " (expected: > 0)");
    }
  }

  @Override
  public String toString() {
    return "ClickHouseSinkSettings{url=" + url + ", user=" + user + ", database=" + database
        + ", maxRows=" + maxRows + ", maxDelay=" + maxDelay + "}";
  }
}
