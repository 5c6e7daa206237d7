package dev.tollgate.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the subset of kustomize the
 * manifests use: {@code resources} (files and directories), {@code patches} (files of patches
 * that name their target by apiVersion, kind, namespace and name) and {@code images}. Anything
 * else in a kustomization is rejected, so the manifests cannot start relying on a feature this
 * renderer would silently ignore.
 *
 * <p>Patches follow kustomize: Kubernetes' own kinds get a strategic merge (lists of containers,
 * volumes, env, ports, ... merged by their key), custom resources a JSON merge patch (RFC 7386:
 * lists replaced whole, as kustomize does without a schema for them). Stricter than kustomize:
 * a patch whose target does not exist, an image rule that matches no container and a duplicate
 * object are errors.
 *
 * <p>Stateless and thread-safe.
 */
final class Kustomize {

  static final String FILE = "kustomization.yaml";
  private static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "patches", "images");
  private static final Set<String> IMAGE_FIELDS = Set.of("name", "newName", "newTag");

  /** Strategic-merge keys of the lists in the built-in kinds the manifests patch. */
  private static final Map<String, List<String>> MERGE_KEYS = Map.of(
      "containers", List.of("name"),
      "initContainers", List.of("name"),
      "volumes", List.of("name"),
      "volumeMounts", List.of("mountPath"),
      "env", List.of("name"),
      "ports", List.of("containerPort", "port"),
      "imagePullSecrets", List.of("name"),
      "topologySpreadConstraints", List.of("topologyKey"));

  /** Where kustomize's image transformer looks, in every kind. */
  private static final List<String> IMAGE_PATHS = List.of(
      "/spec/containers", "/spec/initContainers", "/spec/template/spec/containers", "/spec/template/spec/initContainers");

  private Kustomize() {}

  /** The objects the kustomization in {@code dir} renders to, in kustomize's order (resources as listed). */
  static List<Manifest> render(Path dir) {
    Path root = dir.toAbsolutePath().normalize();
    return renderDir(root, root.getParent() == null ? root : root.getParent());
  }

  /** As {@link #render(Path)}; sources are named relative to {@code relativeTo}. */
  static List<Manifest> render(Path dir, Path relativeTo) {
    return renderDir(dir.toAbsolutePath().normalize(), relativeTo.toAbsolutePath().normalize());
  }

  private static List<Manifest> renderDir(Path dir, Path base) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new ManifestException(base.relativize(dir) + ": no " + FILE);
    }
    String where = base.relativize(file).toString();
    List<ObjectNode> docs = Yaml.documents(file);
    if (docs.size() != 1) {
      throw new ManifestException(where + ": " + docs.size() + " documents (expected: 1)");
    }
    ObjectNode k = docs.get(0);
    expect(where, k, "apiVersion", "kustomize.config.k8s.io/v1beta1");
    expect(where, k, "kind", "Kustomization");
    Set<String> unknown = new TreeSet<>();
    k.fieldNames().forEachRemaining(f -> {
      if (!FIELDS.contains(f)) {
        unknown.add(f);
      }
    });
    if (!unknown.isEmpty()) {
      throw new ManifestException(where + ": unsupported field(s) " + unknown + " (expected only: " + new TreeSet<>(FIELDS) + ")");
    }

    Map<String, Manifest> objects = new LinkedHashMap<>();
    for (JsonNode resource : list(where, k, "resources")) {
      Path path = dir.resolve(resource.asText()).normalize();
      List<Manifest> loaded;
      if (Files.isDirectory(path)) {
        loaded = renderDir(path, base);
      } else if (Files.isRegularFile(path)) {
        loaded = Yaml.documents(path).stream().map(d -> new Manifest(base.relativize(path).toString(), d)).toList();
      } else {
        throw new ManifestException(where + ": resource " + resource.asText() + " does not exist");
      }
      for (Manifest m : loaded) {
        if (objects.putIfAbsent(m.id(), m) != null) {
          throw new ManifestException(where + ": " + m.describe() + " is defined twice");
        }
      }
    }

    for (JsonNode patch : list(where, k, "patches")) {
      if (!patch.isObject() || patch.size() != 1 || !patch.path("path").isTextual()) {
        throw new ManifestException(where + ": patch " + patch + " (expected: {path: FILE}; inline patches and targets are not supported)");
      }
      Path path = dir.resolve(patch.path("path").asText()).normalize();
      if (!Files.isRegularFile(path)) {
        throw new ManifestException(where + ": patch " + patch.path("path").asText() + " does not exist");
      }
      String patchName = base.relativize(path).toString();
      for (ObjectNode doc : Yaml.documents(path)) {
        Manifest p = new Manifest(patchName, doc);
        Manifest target = objects.get(p.id());
        if (target == null) {
          throw new ManifestException(patchName + ": patch targets " + p.kind() + " " + p.namespace() + "/" + p.name()
              + " (" + p.apiVersion() + "), which the resources do not define");
        }
        ObjectNode merged = (ObjectNode) merge(target.body(), doc, target.builtIn(), patchName);
        objects.put(target.id(), new Manifest(target.source() + " + " + patchName, merged));
      }
    }

    List<Manifest> out = new ArrayList<>(objects.values());
    for (JsonNode image : list(where, k, "images")) {
      out = applyImage(where, image, out);
    }
    return out;
  }

  /**
   * {@code patch} applied to {@code target} (neither is modified): a strategic merge when
   * {@code strategic}, else a JSON merge patch.
   */
  static JsonNode merge(JsonNode target, JsonNode patch, boolean strategic, String where) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode out = target != null && target.isObject() ? ((ObjectNode) target).deepCopy() : JsonNodeFactory.instance.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (key.startsWith("$")) {
        throw new ManifestException(where + ": patch directive " + key + " is not supported");
      }
      if (value.isNull()) {
        out.remove(key);
      } else if (value.isObject()) {
        out.set(key, merge(out.get(key), value, strategic, where));
      } else if (value.isArray() && strategic && MERGE_KEYS.containsKey(key) && out.path(key).isArray()) {
        out.set(key, mergeList((ArrayNode) out.get(key), (ArrayNode) value, MERGE_KEYS.get(key), where + ": " + key));
      } else {
        out.set(key, value.deepCopy());
      }
    }
    return out;
  }

  private static ArrayNode mergeList(ArrayNode target, ArrayNode patch, List<String> keys, String where) {
    ArrayNode out = target.deepCopy();
    for (JsonNode element : patch) {
      String key = keys.stream().filter(element::has).findFirst()
          .orElseThrow(() -> new ManifestException(where + ": element " + element + " has no merge key " + keys));
      JsonNode id = element.get(key);
      int found = -1;
      for (int i = 0; i < out.size(); i++) {
        if (id.equals(out.get(i).get(key))) {
          found = i;
        }
      }
      if (found < 0) {
        out.add(element.deepCopy());
      } else {
        out.set(found, merge(out.get(found), element, true, where));
      }
    }
    return out;
  }

  private static List<Manifest> applyImage(String where, JsonNode rule, List<Manifest> objects) {
    Set<String> unknown = new TreeSet<>();
    rule.fieldNames().forEachRemaining(f -> {
      if (!IMAGE_FIELDS.contains(f)) {
        unknown.add(f);
      }
    });
    String name = rule.path("name").asText("");
    if (!unknown.isEmpty() || name.isEmpty()) {
      throw new ManifestException(where + ": image rule " + rule + " (expected: name with newName and/or newTag)");
    }
    List<Manifest> out = new ArrayList<>();
    int matched = 0;
    for (Manifest m : objects) {
      ObjectNode body = m.body().deepCopy();
      for (String path : IMAGE_PATHS) {
        for (JsonNode container : body.at(path)) {
          String image = container.path("image").asText("");
          int colon = image.lastIndexOf(':');
          boolean hasTag = colon > image.lastIndexOf('/');
          String imageName = hasTag ? image.substring(0, colon) : image;
          if (imageName.equals(name)) {
            String newName = rule.path("newName").asText(imageName);
            String newTag = rule.has("newTag") ? rule.get("newTag").asText() : (hasTag ? image.substring(colon + 1) : "");
            ((ObjectNode) container).set("image", TextNode.valueOf(newTag.isEmpty() ? newName : newName + ":" + newTag));
            matched++;
          }
        }
      }
      out.add(new Manifest(m.source(), body));
    }
    if (matched == 0) {
      throw new ManifestException(where + ": image rule for " + name + " matches no container");
    }
    return out;
  }

  private static Iterable<JsonNode> list(String where, ObjectNode k, String field) {
    JsonNode node = k.path(field);
    if (node.isMissingNode()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new ManifestException(where + ": " + field + " is a " + node.getNodeType() + " (expected: a list)");
    }
    return node;
  }

  private static void expect(String where, ObjectNode k, String field, String value) {
    if (!value.equals(k.path(field).asText())) {
      throw new ManifestException(where + ": " + field + " " + k.path(field) + " (expected: " + value + ")");
    }
  }
}
