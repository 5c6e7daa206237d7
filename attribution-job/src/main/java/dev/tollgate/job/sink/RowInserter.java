package dev.tollgate.job.sink;

import java.io.IOException;

/**
 * Writes one RowBinary batch of {@code invocations} rows; the seam between the sink's batching and
 * the ClickHouse client.
 *
 * <p>Called from the sink writer's task thread only.
 */
interface RowInserter extends AutoCloseable {

  /** Inserts {@code rows} rows encoded in {@code batch}; returns only once ClickHouse has them. */
  void insert(RowBinaryBuffer batch, int rows) throws IOException;

  @Override
  void close();
}
