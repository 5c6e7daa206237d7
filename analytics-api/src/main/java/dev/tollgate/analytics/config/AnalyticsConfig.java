package dev.tollgate.analytics.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.ConfigException;
import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigSource;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The analytics API's typed configuration: where it listens, which ClickHouse it reads, which
 * tokens it accepts and how much one query may do. Every default lives here.
 *
 * <p>Immutable and thread-safe.
 */
public final class AnalyticsConfig {

  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 8081;
  static final String DEFAULT_CLICKHOUSE_URL = "http://127.0.0.1:8123";
  static final String DEFAULT_DATABASE = "tollgate";
  static final String DEFAULT_USER = "default";
  static final int DEFAULT_MAX_ROWS = 10_000;
  static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DEFAULT_MAX_SPAN = Duration.ofDays(400);
  static final int DEFAULT_QUERY_THREADS = 8;
  static final boolean DEFAULT_READ_ROLLUPS = true;

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
  private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> TOKEN_KEYS = Set.of("name", "sha256", "tenant", "teams");

  private final String host;
  private final int port;
  private final URI clickhouseUrl;
  private final String database;
  private final String user;
  private final String password;
  private final List<ApiToken> tokens;
  private final int maxRows;
  private final Duration queryTimeout;
  private final Duration maxSpan;
  private final int queryThreads;
  private final boolean readRollups;

  private AnalyticsConfig(ConfigReader r) {
    host = r.string("analytics.host", DEFAULT_HOST);
    port = r.integer("analytics.port", DEFAULT_PORT, 0, 65535);
    maxRows = r.integer("analytics.max_rows", DEFAULT_MAX_ROWS, 1, 1_000_000);
    queryTimeout = r.duration("analytics.query_timeout", DEFAULT_QUERY_TIMEOUT);
    if (queryTimeout.toMillis() < 1000) {
      r.problem("analytics.query_timeout", queryTimeout + " (expected: at least 1s)");
    }
    maxSpan = r.duration("analytics.max_span", DEFAULT_MAX_SPAN);
    queryThreads = r.integer("analytics.query_threads", DEFAULT_QUERY_THREADS, 1, 256);
    readRollups = r.bool("analytics.read_rollups", DEFAULT_READ_ROLLUPS);
    tokens = readTokens(r);
    r.rejectUnknownKeys("analytics");

    clickhouseUrl = r.httpUrl("clickhouse.url", DEFAULT_CLICKHOUSE_URL);
    database = r.string("clickhouse.database", DEFAULT_DATABASE);
    if (!DATABASE_NAME.matcher(database).matches()) {
      r.problem("clickhouse.database", database + " (expected: letters, digits and _)");
    }
    user = r.string("clickhouse.user", DEFAULT_USER);
    password = r.string("clickhouse.password", "");
  }

  /** Reads the {@code analytics} and {@code clickhouse} sections; throws {@link ConfigException} listing every problem. */
  public static AnalyticsConfig from(ConfigSource source) {
    ConfigReader reader = new ConfigReader(source);
    AnalyticsConfig config = new AnalyticsConfig(reader);
    reader.validate();
    return config;
  }

  /** Address to listen on. */
  public String host() {
    return host;
  }

  /** Port to listen on; 0 picks a free one (tests). */
  public int port() {
    return port;
  }

  public URI clickhouseUrl() {
    return clickhouseUrl;
  }

  public String database() {
    return database;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  /** Every accepted token, inline ones first, then those of {@code analytics.tokens_file}. */
  public List<ApiToken> tokens() {
    return tokens;
  }

  /** Most rows one response may hold; also the largest {@code limit} accepted. */
  public int maxRows() {
    return maxRows;
  }

  /** Longest a ClickHouse query may run, server- and client-side. */
  public Duration queryTimeout() {
    return queryTimeout;
  }

  /** Widest {@code from}..{@code to} range one query may ask for. */
  public Duration maxSpan() {
    return maxSpan;
  }

  /** Threads that run (blocking) ClickHouse queries, off the Netty event loops. */
  public int queryThreads() {
    return queryThreads;
  }

  /**
   * Whether spend and top-N queries read the hourly rollups when those hold the answer (the same
   * numbers, faster); false reads the raw table always, e.g. while no job writes rollups.
   */
  public boolean readRollups() {
    return readRollups;
  }

  @Override
  public String toString() {
    // No password and no token hashes: this string ends up in logs.
    return "AnalyticsConfig{host=" + host + ", port=" + port + ", clickhouse=" + clickhouseUrl + ", database="
        + database + ", user=" + user + ", tokens=" + tokens.size() + ", maxRows=" + maxRows
        + ", queryTimeout=" + queryTimeout + "}";
  }

  private static List<ApiToken> readTokens(ConfigReader r) {
    List<ApiToken> out = new ArrayList<>();
    JsonNode inline = r.tree("analytics.tokens");
    if (!inline.isMissingNode() && !inline.isNull()) {
      parseTokenList("analytics.tokens", inline, r, out);
    }
    String file = r.string("analytics.tokens_file", null);
    if (file != null && !file.isBlank()) {
      readTokensFile(Path.of(file), r, out);
    }
    if (out.isEmpty() && inline.isMissingNode() && (file == null || file.isBlank())) {
      r.problem("analytics.tokens", "no tokens configured (expected: analytics.tokens and/or analytics.tokens_file)");
    }
    Set<String> names = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    for (ApiToken token : out) {
      if (!names.add(token.name())) {
        r.problem("analytics.tokens", "duplicate token name " + token.name());
      }
      if (!hashes.add(token.sha256())) {
        r.problem("analytics.tokens", "token " + token.name() + " has the same sha256 as another token");
      }
    }
    return List.copyOf(out);
  }

  private static void readTokensFile(Path file, ConfigReader r, List<ApiToken> out) {
    if (!Files.isRegularFile(file)) {
      r.problem("analytics.tokens_file", file + " does not exist (expected: a YAML file with a top-level tokens: list)");
      return;
    }
    try {
      ConfigSource source = ConfigSource.load(file, Map.of());
      ConfigReader fileReader = new ConfigReader(source);
      JsonNode list = fileReader.tree("tokens");
      if (list.isMissingNode() || list.isNull()) {
        r.problem("analytics.tokens_file", file + ": no top-level tokens: list");
        return;
      }
      List<ApiToken> fromFile = new ArrayList<>();
      parseTokenList(file + ": tokens", list, fileReader, fromFile);
      fileReader.validate();
      out.addAll(fromFile);
    } catch (ConfigException e) {
      for (String problem : e.problems()) {
        r.problem("analytics.tokens_file", file + ": " + problem);
      }
    }
  }

  private static void parseTokenList(String where, JsonNode list, ConfigReader r, List<ApiToken> out) {
    if (!list.isArray()) {
      r.problem(where, "expected a list of {name, sha256, tenant, teams}");
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode entry = list.get(i);
      String at = where + "[" + i + "]";
      if (!entry.isObject()) {
        r.problem(at, "expected a mapping with name, sha256, tenant and optional teams");
        continue;
      }
      entry.fieldNames().forEachRemaining(key -> {
        if (!TOKEN_KEYS.contains(key)) {
          r.problem(at + "." + key, "unknown key (expected: name, sha256, tenant, teams)");
        }
      });
      String name = text(entry, "name");
      String sha = text(entry, "sha256");
      String tenant = text(entry, "tenant");
      boolean ok = true;
      if (name.isBlank()) {
        r.problem(at + ".name", "missing (expected: a name for logs)");
        ok = false;
      }
      if (!SHA256_HEX.matcher(sha).matches()) {
        r.problem(at + ".sha256", (sha.isEmpty() ? "missing" : "not 64 hex digits")
            + " (expected: the SHA-256 hex of the token, e.g. printf %s TOKEN | sha256sum)");
        ok = false;
      }
      if (tenant.isBlank()) {
        r.problem(at + ".tenant", "missing (expected: the tenant this token reads)");
        ok = false;
      }
      Set<String> teams = new LinkedHashSet<>();
      JsonNode teamsNode = entry.path("teams");
      if (teamsNode.isArray()) {
        teamsNode.forEach(team -> teams.add(team.asText()));
        if (teams.isEmpty() || teams.stream().anyMatch(String::isBlank)) {
          r.problem(at + ".teams", "empty or blank team (expected: team names, or omit teams for all teams)");
          ok = false;
        }
      } else if (!teamsNode.isMissingNode() && !teamsNode.isNull()) {
        r.problem(at + ".teams", "expected a list of team names");
        ok = false;
      }
      if (ok) {
        out.add(new ApiToken(name, sha.toLowerCase(Locale.ROOT), tenant, teams));
      }
    }
  }

  private static String text(JsonNode entry, String key) {
    JsonNode node = entry.path(key);
    return node.isValueNode() && !node.isNull() ? node.asText().trim() : "";
  }
}
