package dev.tollgate.job.sink;

import java.io.IOException;

/**
 * Writes one block of {@code invocations} rows; the seam between the sink's batching and
 * the ClickHouse client.
 *
 * <p>Called from the sink writer's task thread only.
 */
interface RowInserter extends AutoCloseable {

  /** Inserts the rows of {@code block}; returns only once ClickHouse has them. */
  void insert(InvocationBlock block) throws IOException;

  @Override
  void close();
}
