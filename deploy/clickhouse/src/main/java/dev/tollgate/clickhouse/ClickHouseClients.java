package dev.tollgate.clickhouse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;

/**
 * The one place that builds ClickHouse clients (client-v2) and runs simple statements and text reads
 * with settings that work on both ClickHouse 18.16 and current releases.
 *
 * <p>Thread-safe: stateless; a {@link Client} may be shared between threads.
 */
public final class ClickHouseClients {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern TRAILING_FORMAT =
            Pattern.compile("(?is).*\\bFORMAT\\s+[A-Za-z]+\\s*;?\\s*$");
    private static final long TIMEOUT_SECONDS = 120;
    private static final String DATABASE_PARAMETER = "database";

    private ClickHouseClients() {
    }

    /**
     * Builds a client for the HTTP interface at {@code url} whose unqualified table names resolve in
     * {@code database}.
     */
    public static Client create(String url, String user, String password, String database) {
        requireNonNull(url, "url");
        requireNonNull(user, "user");
        requireIdentifier(database, "database");
        // Response compression is broken in 18.16 (compress=1 answers an empty body), and
        // useHttpCompression is left off for the same reason. The client sends the default database
        // as the X-ClickHouse-Database header, which 18.16 ignores: the database URL parameter
        // (a server setting) is what both old and new servers honour.
        return new Client.Builder()
                .addEndpoint(url)
                .setUsername(user)
                .setPassword(password == null ? "" : password)
                .setDefaultDatabase(database)
                .serverSetting(DATABASE_PARAMETER, database)
                .compressServerResponse(false)
                .build();
    }

    /** Runs one statement (DDL, INSERT … VALUES, …) and waits for it to finish. */
    public static void execute(Client client, String sql) {
        requireNonNull(sql, "sql");
        closeQuietly(await(() -> client.execute(sql), sql));
    }

    /** Runs one statement against {@code database} (overriding the client's default database). */
    public static void execute(Client client, String database, String sql) {
        requireNonNull(sql, "sql");
        requireIdentifier(database, "database");
        CommandSettings settings = new CommandSettings();
        settings.setDatabase(database);
        settings.serverSetting(DATABASE_PARAMETER, database);
        closeQuietly(await(() -> client.execute(sql, settings), sql));
    }

    /**
     * Runs a query that returns one number (e.g. {@code SELECT count() FROM t}) and returns it.
     * {@code sql} must not carry a FORMAT clause.
     */
    public static long queryLong(Client client, String sql) {
        List<List<String>> rows = queryRows(client, sql);
        if (rows.size() != 1 || rows.get(0).size() != 1) {
            throw new IllegalStateException("expected one value, got " + rows.size() + " rows: " + sql);
        }
        String value = rows.get(0).get(0);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("expected an integer, got '" + value + "': " + sql, e);
        }
    }

    /**
     * Runs a query and returns its rows as text, in TabSeparated form (escapes undone, {@code \N}
     * read as null). {@code sql} must not carry a FORMAT clause. For small results: everything is
     * held in memory.
     */
    public static List<List<String>> queryRows(Client client, String sql) {
        return queryRows(client, sql, new QuerySettings());
    }

    /** As {@link #queryRows(Client, String)}, against {@code database}. */
    public static List<List<String>> queryRows(Client client, String database, String sql) {
        requireIdentifier(database, "database");
        return queryRows(client, sql,
                new QuerySettings().setDatabase(database).serverSetting(DATABASE_PARAMETER, database));
    }

    private static List<List<String>> queryRows(Client client, String sql, QuerySettings settings) {
        requireNonNull(sql, "sql");
        String trimmed = stripTrailingSemicolon(sql);
        if (TRAILING_FORMAT.matcher(trimmed).matches()) {
            throw new IllegalArgumentException("sql: has a FORMAT clause (expected: none, TabSeparated is added)");
        }
        // 18.16 ignores the format headers the client sends: the FORMAT clause in the text decides.
        String text = trimmed + "\nFORMAT TabSeparated";
        try (QueryResponse response = await(() -> client.query(text, settings), sql);
                InputStream in = response.getInputStream()) {
            return parseTabSeparated(new String(in.readAllBytes(), UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the result of: " + sql, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("query failed: " + sql, e);
        }
    }

    /** Quotes an identifier after checking it is a plain name (letters, digits, underscore). */
    public static String quoteIdentifier(String name) {
        requireIdentifier(name, "identifier");
        return "`" + name + "`";
    }

    /** Whether {@code name} is a plain identifier usable unquoted in ClickHouse SQL. */
    public static boolean isIdentifier(String name) {
        return name != null && IDENTIFIER.matcher(name).matches();
    }

    /** A single-quoted ClickHouse string literal for {@code value}, with backslash escapes. */
    public static String quoteString(String value) {
        requireNonNull(value, "value");
        StringBuilder out = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\0' -> out.append("\\0");
                default -> out.append(c);
            }
        }
        return out.append('\'').toString();
    }

    /**
     * The rows of a TabSeparated (or TabSeparatedWithNames: the names are the first row) result:
     * one list of values per line, escapes undone, {@code \N} read as null.
     */
    public static List<List<String>> parseTabSeparated(String body) {
        List<List<String>> rows = new ArrayList<>();
        int start = 0;
        int width = 8;
        while (start < body.length()) {
            int end = body.indexOf('\n', start);
            if (end < 0) {
                end = body.length();
            }
            List<String> row = parseRow(body, start, end, width);
            rows.add(row);
            width = row.size();
            start = end + 1;
        }
        return rows;
    }

    private static List<String> parseRow(String body, int start, int end, int width) {
        // Tabs and newlines inside values arrive escaped, so raw splitting is safe.
        List<String> fields = new ArrayList<>(width);
        int fieldStart = start;
        for (int i = start; i <= end; i++) {
            if (i == end || body.charAt(i) == '\t') {
                fields.add(unescape(body.substring(fieldStart, i)));
                fieldStart = i + 1;
            }
        }
        return fields;
    }

    private static String unescape(String raw) {
        if (raw.equals("\\N")) {
            return null;
        }
        if (raw.indexOf('\\') < 0) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 == raw.length()) {
                out.append(c);
                continue;
            }
            char next = raw.charAt(++i);
            switch (next) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case '0' -> out.append('\0');
                default -> out.append(next);
            }
        }
        return out.toString();
    }

    private static String stripTrailingSemicolon(String sql) {
        String s = sql.strip();
        while (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        return s;
    }

    private static void requireIdentifier(String name, String what) {
        if (!isIdentifier(name)) {
            throw new IllegalArgumentException(what + ": '" + name + "' (expected: [A-Za-z_][A-Za-z0-9_]*)");
        }
    }

    private static <T> T await(Supplier<CompletableFuture<T>> call, String sql) {
        CompletableFuture<T> future;
        try {
            // client-v2 throws server errors from the call itself as well as through the future.
            future = call.get();
        } catch (RuntimeException e) {
            throw new IllegalStateException("clickhouse statement failed: " + e.getMessage()
                    + "; statement: " + abbreviate(sql), e);
        }
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running: " + abbreviate(sql), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("clickhouse statement failed: " + cause.getMessage()
                    + "; statement: " + abbreviate(sql), cause);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new IllegalStateException("timed out after " + TIMEOUT_SECONDS + "s: " + abbreviate(sql), e);
        }
    }

    private static void closeQuietly(AutoCloseable response) {
        try {
            response.close();
        } catch (Exception e) {
            // The statement already succeeded; nothing is left to read.
        }
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "…";
    }
}
