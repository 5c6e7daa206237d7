package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.clickhouse.ClickHouseClients;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs read queries on ClickHouse and returns their rows as JSON objects or as text. Reads go
 * through {@code query(sql + " FORMAT …")} and parse the stream here, because the client's typed
 * readers ({@code queryAll}, {@code queryRecords}, JDBC) fail on ClickHouse 18.16.
 *
 * <p>Thread-safe; each call blocks its thread until the query ends, so never call it on an event loop.
 */
public final class ClickHouseReader {

  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Runs the second reads of {@link #concurrently}. Unbounded but never larger than the
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
   * Runs {@code first} on the caller's thread and {@code second} at the same time on another: a
   * report's rows and totals cost the slower of the two, not their sum. Fails when either fails.
   */
  public <A, B> Both<A, B> concurrently(Supplier<A> first, Supplier<B> second) {
    CompletableFuture<B> other = CompletableFuture.supplyAsync(second, CONCURRENT);
    try {
      A a = first.get();
      return new Both<>(a, other.join());
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    } finally {
      other.cancel(false);
    }
  }

  /** The results of {@link #concurrently}. */
  public record Both<A, B>(A first, B second) {}

  /**
   * The rows of {@code sql} (a SELECT without FORMAT) as text, read as TabSeparatedWithNames: for
   * large results of plain values (no arrays or tuples), a fraction of the bytes and parsing of
   * {@link #select}.
   */
  public List<TextRow> selectText(String sql) {
    // Parsed inside run(): a result cut short by a server error fails as a query error.
    return run(sql + " FORMAT TabSeparatedWithNames", in -> {
      List<List<String>> lines = ClickHouseClients.parseTabSeparated(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      if (lines.isEmpty()) {
        throw new IOException("no header line in the result");
      }
      Map<String, Integer> columns = new HashMap<>();
      List<String> names = lines.get(0);
      for (int i = 0; i < names.size(); i++) {
        columns.put(names.get(i), i);
      }
      List<TextRow> rows = new ArrayList<>(lines.size() - 1);
      for (List<String> line : lines.subList(1, lines.size())) {
        rows.add(new TextRow(columns, line));
      }
      return rows;
    });
  }

  /** The rows of {@code sql} (a SELECT without FORMAT), each a JSON object keyed by column alias. */
  public List<JsonNode> select(String sql) {
    return run(sql + " FORMAT JSONEachRow", in -> {
      try (MappingIterator<JsonNode> rows = JSON.readerFor(JsonNode.class).readValues(in)) {
        return rows.readAll();
      }
    });
  }

  /** Reads a result stream. */
  private interface ResultReader<T> {
    T read(InputStream in) throws IOException;
  }

  private <T> T run(String sqlWithFormat, ResultReader<T> reader) {
    QuerySettings settings = new QuerySettings()
        // The server stops the query at the limit; the client waits a little longer for that answer.
        .setMaxExecutionTime((int) Math.max(1, timeout.toSeconds()));
    QueryResponse response = null;
    try {
      response = client.query(sqlWithFormat, settings).get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS);
      return reader.read(response.getInputStream());
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
