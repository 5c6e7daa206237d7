package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One deployment's configuration: a YAML document plus environment overrides.
 *
 * <p>The override rule is the same for every key: {@code providers.openai.base_url} is overridden
 * by {@code TOLLGATE_PROVIDERS_OPENAI_BASE_URL} (prefix {@code TOLLGATE_}, dots and dashes become
 * underscores, upper case). An environment value always wins over the file.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigSource {

  /** Environment variable naming the configuration file when no {@code --config} is given. */
  public static final String CONFIG_ENV = "TOLLGATE_CONFIG";

  /** The configuration file used when neither {@code --config} nor {@code TOLLGATE_CONFIG} is set. */
  public static final String DEFAULT_FILE = "deploy/local/tollgate.yaml";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final String origin;
  private final JsonNode root;
  private final Map<String, String> env;

  private ConfigSource(String origin, JsonNode root, Map<String, String> env) {
    this.origin = origin;
    this.root = root;
    this.env = Map.copyOf(env);
  }

  /**
   * Loads the file named by {@code --config FILE} in {@code args}, else by {@code TOLLGATE_CONFIG},
   * else {@link #DEFAULT_FILE}, with the process environment as overrides.
   */
  public static ConfigSource fromArgs(String[] args) {
    String file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        file = args[i].substring("--config=".length());
      }
    }
    Map<String, String> env = System.getenv();
    if (file == null) {
      file = env.getOrDefault(CONFIG_ENV, DEFAULT_FILE);
    }
    return load(Path.of(file), env);
  }

  /** Loads {@code file}; {@code env} supplies the overrides. */
  public static ConfigSource load(Path file, Map<String, String> env) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot read configuration file: " + e));
    }
    return parse(file.toString(), text, env);
  }

  /** Parses YAML {@code text}; {@code origin} names it in error messages. */
  public static ConfigSource parse(String origin, String text, Map<String, String> env) {
    JsonNode root;
    try {
      root = text.isBlank() ? YAML.createObjectNode() : YAML.readTree(text);
    } catch (IOException e) {
      throw new ConfigException(origin, List.of("not valid YAML: " + e.getMessage()));
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      root = YAML.createObjectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException(origin, List.of("top level must be a mapping of keys"));
    }
    return new ConfigSource(origin, root, env);
  }

  /** The environment variable that overrides {@code path}. */
  public static String envName(String path) {
    return "TOLLGATE_" + path.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** Where this configuration came from (a file name), for messages. */
  public String origin() {
    return origin;
  }

  /** The environment override for {@code path}, or null. */
  String envValue(String path) {
    return env.get(envName(path));
  }

  /** The YAML node at {@code path} (dot separated), or a missing node. */
  JsonNode node(String path) {
    JsonNode node = root;
    for (String part : path.split("\\.")) {
      node = node.path(part);
    }
    return node;
  }

  /** Environment variables whose names start with {@code prefix}, by name. */
  Map<String, String> envWithPrefix(String prefix) {
    Map<String, String> found = new TreeMap<>();
    env.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        found.put(k, v);
      }
    });
    return found;
  }

  /** Leaf paths present in the YAML under {@code section} (for unknown-key checks). */
  List<String> leafPaths(String section) {
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    collectLeaves(section, node(section), out);
    return out;
  }

  private static void collectLeaves(String prefix, JsonNode node, List<String> out) {
    if (node instanceof ObjectNode object && !object.isEmpty()) {
      object.fieldNames().forEachRemaining(name -> collectLeaves(prefix + "." + name, object.get(name), out));
    } else if (!(node instanceof MissingNode)) {
      out.add(prefix);
    }
  }
}
