package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs read queries on ClickHouse and returns their rows as JSON objects. Reads go through
 * {@code query(sql + " FORMAT JSONEachRow")} and parse the stream here, because the client's
 * typed readers ({@code queryAll}, {@code queryRecords}, JDBC) fail on ClickHouse 18.16.
 *
 * <p>Thread-safe; each call blocks its thread until the query ends, so never call it on an event loop.
 */
public final class ClickHouseReader {

  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Runs the extra statements of {@link #selectConcurrently}. Unbounded but never larger than the
   * callers (the API's bounded query pool) times their extra statements; idle threads go away.
   */
  private static final ExecutorService CONCURRENT = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "clickhouse-concurrent-select");
    thread.setDaemon(true);
    return thread;
  });

  private final Client client;
  private final Duration timeout;

  /** {@code client} must already select the database (see {@code ClickHouseClients.create}). */
  public ClickHouseReader(Client client, Duration timeout) {
    this.client = requireNonNull(client, "client");
    this.timeout = requireNonNull(timeout, "timeout");
  }

  /**
   * The rows of each statement, run at the same time (the caller's thread runs the first): a
   * report's rows and totals cost the slower of the two, not their sum. Fails when any fails.
   */
  public List<List<JsonNode>> selectConcurrently(List<String> sqls) {
    List<CompletableFuture<List<JsonNode>>> others = new ArrayList<>();
    for (String sql : sqls.subList(1, sqls.size())) {
      others.add(CompletableFuture.supplyAsync(() -> select(sql), CONCURRENT));
    }
    List<List<JsonNode>> results = new ArrayList<>();
    try {
      results.add(select(sqls.get(0)));
      for (CompletableFuture<List<JsonNode>> other : others) {
        results.add(other.join());
      }
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    } finally {
      others.forEach(other -> other.cancel(false));
    }
    return results;
  }

  /** The rows of {@code sql} (a SELECT without FORMAT), each a JSON object keyed by column alias. */
  public List<JsonNode> select(String sql) {
    QuerySettings settings = new QuerySettings()
        // The server stops the query at the limit; the client waits a little longer for that answer.
        .setMaxExecutionTime((int) Math.max(1, timeout.toSeconds()));
    QueryResponse response = null;
    try {
      response = client.query(sql + " FORMAT JSONEachRow", settings).get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
      InputStream in = response.getInputStream();
      try (MappingIterator<JsonNode> rows = JSON.readerFor(JsonNode.class).readValues(in)) {
        return rows.readAll();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClickHouseQueryException("interrupted", e);
    } catch (ExecutionException e) {
      throw new ClickHouseQueryException("query failed", e.getCause());
    } catch (TimeoutException e) {
      throw new ClickHouseQueryException("query timed out after " + timeout, e);
    } catch (IOException | RuntimeException e) {
      // client-v2 also throws server errors from query() itself, not only through the future.
      throw new ClickHouseQueryException("query failed", e);
    } finally {
      closeQuietly(response);
    }
  }

  private static void closeQuietly(QueryResponse response) {
    if (response == null) {
      return;
    }
    try {
      response.close();
    } catch (Exception e) {
      // The rows are read (or the query failed already): a failed close only loses the connection.
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** True when ClickHouse answers a ping within a second. */
  public boolean ping() {
    try {
      return client.ping(1_000);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
