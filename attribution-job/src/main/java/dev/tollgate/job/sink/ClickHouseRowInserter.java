package dev.tollgate.job.sink;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertResponse;
import com.clickhouse.data.ClickHouseFormat;
import dev.tollgate.clickhouse.ClickHouseClients;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Inserts {@link InvocationBlock}s into {@code <database>.invocations} in the Native format, with
 * client-v2's stream insert (POJO inserts are broken on ClickHouse 18.16).
 *
 * <p>Used by one sink writer thread; the client itself is thread-safe.
 */
final class ClickHouseRowInserter implements RowInserter {

  static final String TABLE = "invocations";
  private static final long TIMEOUT_SECONDS = 120;

  private final Client client;
  private final String table;

  ClickHouseRowInserter(ClickHouseSinkSettings settings) {
    this.client = ClickHouseClients.create(settings.url(), settings.user(), settings.password(), settings.database());
    // Qualified: the database is a checked identifier, and 18.16 ignores the database header.
    this.table = settings.database() + "." + TABLE;
  }

  @Override
  public void insert(InvocationBlock block) throws IOException {
    int rows = block.rows();
    try {
      // The insert is complete once the response arrives; it has nothing else to read.
      InsertResponse response = client
          .insert(table, block.columnNames(), block.asInputStream(), ClickHouseFormat.Native)
          .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      response.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while inserting " + rows + " rows into " + table, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException("insert of " + rows + " rows into " + table + " failed: " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IOException("insert of " + rows + " rows into " + table + " timed out after " + TIMEOUT_SECONDS + "s", e);
    } catch (RuntimeException e) {
      // client-v2 also throws server errors directly from insert().
      throw new IOException("insert of " + rows + " rows into " + table + " failed: " + e.getMessage(), e);
    } catch (Exception e) {
      throw new IOException("insert of " + rows + " rows into " + table + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
