package dev.tollgate.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One Kubernetes object as written (or as rendered by {@link Kustomize}), with the file it came
 * from. Identity is what kustomize uses: apiVersion, kind, namespace, name.
 *
 * <p>Immutable by convention: nothing mutates {@link #body()} after construction.
 */
record Manifest(String source, ObjectNode body) {

  Manifest {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(body, "body");
  }

  String apiVersion() {
    return body.path("apiVersion").asText("");
  }

  String kind() {
    return body.path("kind").asText("");
  }

  String name() {
    return body.path("metadata").path("name").asText("");
  }

  String namespace() {
    return body.path("metadata").path("namespace").asText("");
  }

  /** The API group: empty for the core group ({@code v1}). */
  String group() {
    String v = apiVersion();
    int slash = v.indexOf('/');
    return slash < 0 ? "" : v.substring(0, slash);
  }

  /** True for Kubernetes' own kinds, false for custom resources (whose group is a domain name). */
  boolean builtIn() {
    String g = group();
    return !g.contains(".") || g.endsWith(".k8s.io");
  }

  String id() {
    return apiVersion() + "/" + kind() + "/" + namespace() + "/" + name();
  }

  JsonNode at(String pointer) {
    return body.at(pointer);
  }

  /** How problems name this object: {@code Deployment tollgate/proxy-edge (base/proxy-edge.yaml)}. */
  String describe() {
    return kind() + " " + (namespace().isEmpty() ? "" : namespace() + "/") + name() + " (" + source + ")";
  }
}
