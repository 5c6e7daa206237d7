package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, validating reads from a {@link ConfigSource}. Every read takes the environment override
 * first, then the YAML value, then the default given by the caller; a bad value is recorded, not
 * thrown, so {@link #validate()} reports every error at once.
 *
 * <p>Not thread-safe: build a module's config with one reader, then drop it.
 */
public final class ConfigReader {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final ConfigSource source;
  private final List<String> problems = new ArrayList<>();
  private final Set<String> readPaths = new HashSet<>();

  public ConfigReader(ConfigSource source) {
    this.source = Objects.requireNonNull(source, "source");
  }

  /** A string; {@code def} when unset (may be null). */
  public String string(String path, String def) {
    String raw = raw(path);
    return raw == null ? def : raw;
  }

  /**
   * {@code data_dir}: where a single-machine deployment keeps its files ({@code .tollgate}, relative
   * to the working directory, by default); paths a service keeps locally default to places under it.
   */
  public Path dataDir() {
    return Path.of(string("data_dir", ".tollgate"));
  }

  /** A string that must be set and not blank. */
  public String requiredString(String path) {
    String value = string(path, null);
    if (value == null || value.isBlank()) {
      problem(path, "missing (expected: a non-empty value, or env " + ConfigSource.envName(path) + ")");
      return "";
    }
    return value;
  }

  /** An integer within [min, max]. */
  public int integer(String path, int def, int min, int max) {
    return (int) longValue(path, def, min, max);
  }

  /** A long within [min, max]. */
  public long longValue(String path, long def, long min, long max) {
    String raw = raw(path);
    if (raw == null) {
      return def;
    }
    try {
      long value = Long.parseLong(raw.trim().replace("_", ""));
      if (value < min || value > max) {
        problem(path, raw + " (expected: " + min + " to " + max + ")");
        return def;
      }
      return value;
    } catch (NumberFormatException e) {
      problem(path, raw + " (expected: a whole number)");
      return def;
    }
  }

  /** A TCP port, 1 to 65535. */
  public int port(String path, int def) {
    return integer(path, def, 1, 65535);
  }

  /** {@code true}/{@code false}. */
  public boolean bool(String path, boolean def) {
    String raw = raw(path);
    if (raw == null) {
      return def;
    }
    switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> {
        return true;
      }
      case "false", "no", "off", "0" -> {
        return false;
      }
      default -> {
        problem(path, raw + " (expected: true or false)");
        return def;
      }
    }
  }

  /** A duration written {@code 250ms}, {@code 30s}, {@code 5m}, {@code 24h} or {@code 7d}; must be positive. */
  public Duration duration(String path, Duration def) {
    String raw = raw(path);
    if (raw == null) {
      return def;
    }
    Matcher m = DURATION.matcher(raw.trim());
    if (!m.matches()) {
      problem(path, raw + " (expected: a duration such as 250ms, 30s, 5m, 24h, 7d)");
      return def;
    }
    long n = Long.parseLong(m.group(1));
    Duration value = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (value.isZero()) {
      problem(path, raw + " (expected: > 0)");
      return def;
    }
    return value;
  }

  /** An absolute http(s) URL without a trailing slash. */
  public URI httpUrl(String path, String def) {
    String raw = string(path, def);
    if (raw == null) {
      problem(path, "missing (expected: an http:// or https:// URL)");
      return null;
    }
    try {
      URI uri = new URI(raw.trim());
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
        problem(path, raw + " (expected: an http:// or https:// URL with a host)");
        return null;
      }
      String text = uri.toString();
      return text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : uri;
    } catch (URISyntaxException e) {
      problem(path, raw + " (expected: a URL; " + e.getReason() + ")");
      return null;
    }
  }

  /** One of {@code allowed}. */
  public String oneOf(String path, String def, Set<String> allowed) {
    String value = string(path, def);
    if (value != null && !allowed.contains(value)) {
      problem(path, value + " (expected one of: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
      return def;
    }
    return value;
  }

  /** A list of strings: a YAML sequence, or a comma-separated string (the form env values take). */
  public List<String> stringList(String path, List<String> def) {
    String env = source.envValue(path);
    readPaths.add(path);
    if (env != null) {
      return splitComma(env);
    }
    JsonNode node = source.node(path);
    if (node.isMissingNode() || node.isNull()) {
      return def;
    }
    if (node.isArray()) {
      List<String> out = new ArrayList<>();
      node.forEach(item -> out.add(item.asText()));
      return List.copyOf(out);
    }
    if (node.isValueNode()) {
      return splitComma(node.asText());
    }
    problem(path, "a mapping (expected: a list of strings)");
    return def;
  }

  /**
   * Names of the entries of the mapping at {@code path}: those in the YAML, plus those named only
   * by environment variables ({@code TOLLGATE_PROVIDERS_VLLM_BASE_URL} names {@code vllm} when
   * {@code childKey} is {@code base_url}).
   */
  public Set<String> childNames(String path, String childKey) {
    Set<String> names = new LinkedHashSet<>();
    JsonNode node = source.node(path);
    if (node.isObject()) {
      node.fieldNames().forEachRemaining(names::add);
    } else if (!node.isMissingNode() && !node.isNull()) {
      problem(path, "expected a mapping of names to settings");
    }
    String prefix = ConfigSource.envName(path) + "_";
    String suffix = "_" + ConfigSource.envName(childKey).substring("TOLLGATE_".length());
    for (String name : source.envWithPrefix(prefix).keySet()) {
      if (name.endsWith(suffix) && name.length() > prefix.length() + suffix.length()) {
        String child = name.substring(prefix.length(), name.length() - suffix.length()).toLowerCase(Locale.ROOT);
        if (names.stream().noneMatch(n -> ConfigSource.envName(n).equals(ConfigSource.envName(child)))) {
          names.add(child);
        }
      }
    }
    return names;
  }

  /** The raw YAML node at {@code path} for structured values (lists of mappings); marks it read. */
  public JsonNode tree(String path) {
    markRead(path);
    return source.node(path);
  }

  /** Records a problem with {@code path}; reported by {@link #validate()}. */
  public void problem(String path, String message) {
    problems.add(path + ": " + message);
  }

  /** Records every key in the YAML under {@code sections} that no read asked for (a typo). */
  public void rejectUnknownKeys(String... sections) {
    for (String section : sections) {
      for (String leaf : source.leafPaths(section)) {
        if (!isRead(leaf)) {
          problem(leaf, "unknown key");
        }
      }
    }
  }

  /** Throws {@link ConfigException} listing every problem recorded so far, if any. */
  public void validate() {
    if (!problems.isEmpty()) {
      throw new ConfigException(source.origin(), problems);
    }
  }

  private boolean isRead(String leaf) {
    for (String path = leaf; ; path = path.substring(0, path.lastIndexOf('.'))) {
      if (readPaths.contains(path)) {
        return true;
      }
      if (path.indexOf('.') < 0) {
        return false;
      }
    }
  }

  private void markRead(String path) {
    readPaths.add(path);
  }

  private String raw(String path) {
    markRead(path);
    String env = source.envValue(path);
    if (env != null) {
      return env;
    }
    JsonNode node = source.node(path);
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isValueNode()) {
      problem(path, "a " + (node.isArray() ? "list" : "mapping") + " (expected: a single value)");
      return null;
    }
    return node.asText();
  }

  private static List<String> splitComma(String text) {
    List<String> out = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return List.copyOf(out);
  }
}
