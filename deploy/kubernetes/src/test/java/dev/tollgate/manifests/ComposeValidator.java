package dev.tollgate.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Validates a Compose file against the parts of the Compose specification it uses, and checks
 * that everything it refers to resolves: services in {@code depends_on} (and that a
 * {@code service_healthy} dependency has a healthcheck, a {@code service_completed_successfully}
 * one is a one-shot), named volumes, networks and secrets declared at the top level, secret files
 * and bind-mount sources present in the repository (or, for build output under a module's
 * {@code target/}, the module present), every {@code ${VAR}} defined in {@code .env.example}, every
 * image pinned to a tag, and a healthcheck on every long-running service.
 *
 * <p>Anchors, aliases and {@code <<} merge keys are resolved as Compose does (YAML 1.1, by
 * SnakeYAML). Not thread-safe: one instance per validation.
 */
final class ComposeValidator {

  private static final Set<String> TOP_LEVEL = Set.of("name", "services", "volumes", "networks", "secrets", "configs");
  private static final Set<String> SERVICE = Set.of("image", "build", "command", "entrypoint", "environment", "env_file",
      "ports", "expose", "volumes", "depends_on", "healthcheck", "restart", "networks", "secrets", "configs", "deploy",
      "ulimits", "stop_grace_period", "stop_signal", "user", "working_dir", "labels", "logging", "container_name",
      "hostname", "profiles", "init", "mem_limit", "cpus", "extra_hosts", "tmpfs", "read_only", "cap_drop", "cap_add",
      "security_opt");
  private static final Set<String> HEALTHCHECK = Set.of("test", "interval", "timeout", "retries", "start_period",
      "start_interval", "disable");
  private static final Set<String> CONDITIONS = Set.of("service_started", "service_healthy", "service_completed_successfully");
  private static final Set<String> RESTART = Set.of("no", "always", "on-failure", "unless-stopped");
  private static final Pattern VARIABLE = Pattern.compile("\\$(\\$|\\{([A-Za-z_][A-Za-z0-9_]*)[^}]*})");
  private static final Pattern PINNED_IMAGE = Pattern.compile("[a-z0-9./_-]+:[A-Za-z0-9._-]+");

  private final Path composeDir;
  private final Set<String> envDefined;
  private final List<String> problems = new ArrayList<>();

  /**
   * @param composeDir the directory of the compose file (relative paths resolve against it)
   * @param envDefined the variables {@code .env} defines
   */
  ComposeValidator(Path composeDir, Set<String> envDefined) {
    this.composeDir = composeDir.toAbsolutePath().normalize();
    this.envDefined = Set.copyOf(envDefined);
  }

  /** The compose file's text parsed as Compose does (anchors and merge keys resolved) into a tree. */
  static JsonNode parse(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    Object loaded = new org.yaml.snakeyaml.Yaml(options).load(text);
    return new ObjectMapper().valueToTree(loaded);
  }

  /** Every problem in {@code compose} ({@code text} is its source, for variable checks); empty when valid. */
  List<String> validate(JsonNode compose, String text) {
    Matcher m = VARIABLE.matcher(text);
    while (m.find()) {
      if (m.group(2) != null && !envDefined.contains(m.group(2))) {
        problems.add("${" + m.group(2) + "} is not defined in .env.example");
      }
    }
    fields("compose file", compose, TOP_LEVEL, true);
    JsonNode services = compose.path("services");
    if (!services.isObject() || services.isEmpty()) {
      problems.add("services: none");
      return List.copyOf(problems);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      service(e.getKey(), e.getValue(), compose);
    }
    JsonNode secrets = compose.path("secrets");
    for (Iterator<Map.Entry<String, JsonNode>> it = secrets.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String file = e.getValue().path("file").asText("");
      if (file.isEmpty()) {
        problems.add("secrets." + e.getKey() + ": no file");
      } else if (!Files.exists(composeDir.resolve(file)) && !Files.exists(composeDir.resolve(file + ".example"))) {
        problems.add("secrets." + e.getKey() + ": neither " + file + " nor " + file + ".example exists");
      }
    }
    return List.copyOf(problems);
  }

  private void service(String name, JsonNode s, JsonNode compose) {
    String at = "services." + name;
    fields(at, s, SERVICE, false);
    String image = s.path("image").asText("");
    if (image.isEmpty() && !s.has("build")) {
      problems.add(at + ": no image");
    } else if (!image.isEmpty() && (!PINNED_IMAGE.matcher(image).matches() || image.endsWith(":latest"))) {
      problems.add(at + ": image " + image + " (expected: pinned to a version tag)");
    }
    String restart = s.path("restart").asText("no");
    if (!RESTART.contains(restart)) {
      problems.add(at + ".restart: " + restart + " (expected one of " + new TreeSet<>(RESTART) + ")");
    }
    boolean oneShot = restart.equals("no");
    JsonNode health = s.path("healthcheck");
    if (health.isMissingNode()) {
      if (!oneShot) {
        problems.add(at + ": a long-running service without a healthcheck");
      }
    } else {
      fields(at + ".healthcheck", health, HEALTHCHECK, false);
      JsonNode test = health.path("test");
      if (!(test.isTextual() || (test.isArray() && test.size() >= 2
          && Set.of("CMD", "CMD-SHELL").contains(test.get(0).asText())))) {
        problems.add(at + ".healthcheck.test: " + test + " (expected: [CMD, ...], [CMD-SHELL, cmd] or a string)");
      }
    }
    JsonNode depends = s.path("depends_on");
    Iterable<String> dependencies = depends.isArray() ? textList(depends) : () -> depends.fieldNames();
    for (String dep : dependencies) {
      JsonNode target = compose.path("services").path(dep);
      if (target.isMissingNode()) {
        problems.add(at + ".depends_on: " + dep + " is not a service");
        continue;
      }
      String condition = depends.isObject() ? depends.path(dep).path("condition").asText("service_started") : "service_started";
      if (!CONDITIONS.contains(condition)) {
        problems.add(at + ".depends_on." + dep + ": condition " + condition + " (expected one of " + new TreeSet<>(CONDITIONS) + ")");
      } else if (condition.equals("service_healthy") && !target.has("healthcheck")) {
        problems.add(at + ".depends_on." + dep + ": waits for it to be healthy, but it has no healthcheck");
      } else if (condition.equals("service_completed_successfully") && !target.path("restart").asText("no").equals("no")) {
        problems.add(at + ".depends_on." + dep + ": waits for it to complete, but it restarts");
      }
    }
    for (String network : textList(s.path("networks"))) {
      if (!compose.path("networks").has(network)) {
        problems.add(at + ".networks: " + network + " is not declared under networks");
      }
    }
    for (String secret : textList(s.path("secrets"))) {
      if (!compose.path("secrets").has(secret)) {
        problems.add(at + ".secrets: " + secret + " is not declared under secrets");
      }
    }
    for (String volume : textList(s.path("volumes"))) {
      volume(at, volume, compose);
    }
  }

  private void volume(String at, String spec, JsonNode compose) {
    String[] parts = spec.split(":");
    if (parts.length < 2 || parts.length > 3 || (parts.length == 3 && !Set.of("ro", "rw").contains(parts[2]))) {
      problems.add(at + ".volumes: " + spec + " (expected: SOURCE:TARGET[:ro|rw])");
      return;
    }
    String source = parts[0];
    if (!parts[1].startsWith("/")) {
      problems.add(at + ".volumes: " + spec + ": target " + parts[1] + " is not absolute");
    }
    if (!source.startsWith(".") && !source.startsWith("/")) {
      if (!compose.path("volumes").has(source)) {
        problems.add(at + ".volumes: " + source + " is not declared under volumes");
      }
      return;
    }
    Path path = composeDir.resolve(source).normalize();
    if (Files.exists(path)) {
      return;
    }
    // Build output (MODULE/target/...): the module must exist; the build creates the rest.
    Path module = path;
    while (module != null && module.getFileName() != null && !module.getFileName().toString().equals("target")) {
      module = module.getParent();
    }
    if (module == null || module.getFileName() == null || !Files.isRegularFile(module.getParent().resolve("pom.xml"))) {
      problems.add(at + ".volumes: " + source + " does not exist (and is not build output of a module)");
    }
  }

  private void fields(String at, JsonNode node, Set<String> allowed, boolean extensions) {
    if (!node.isObject()) {
      problems.add(at + ": a " + node.getNodeType() + " (expected: a mapping)");
      return;
    }
    node.fieldNames().forEachRemaining(f -> {
      boolean extension = f.startsWith("x-") && (extensions || at.startsWith("services."));
      if (!allowed.contains(f) && !extension) {
        problems.add(at + ": unknown field " + f);
      }
    });
  }

  private static List<String> textList(JsonNode node) {
    List<String> out = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(n -> out.add(n.asText()));
    } else if (node.isObject()) {
      node.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }

  /** Variables defined by a {@code .env}-style file: {@code NAME=value} lines. */
  static Set<String> envNames(String text) {
    Set<String> out = new HashSet<>();
    for (String line : text.split("\\R")) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#") && l.contains("=")) {
        out.add(l.substring(0, l.indexOf('=')).strip());
      }
    }
    return out;
  }
}
