package dev.tollgate.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The renderer applies patches as kustomize does and refuses what it cannot render faithfully. */
class KustomizeTest {

  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, namespace: ns}
      spec:
        replicas: 1
        template:
          spec:
            containers:
              - {name: a, image: "img/a:1", env: [{name: X, value: "1"}]}
              - {name: b, image: "img/b:1"}
      """;
  private static final String TOPIC = """
      apiVersion: kafka.strimzi.io/v1beta2
      kind: KafkaTopic
      metadata: {name: t, namespace: ns}
      spec:
        partitions: 1
        replicas: 1
        config: {retention.ms: 1, cleanup.policy: delete}
      """;

  private static Path write(Path dir, String file, String text) throws IOException {
    Files.createDirectories(dir);
    return Files.writeString(dir.resolve(file), text);
  }

  private static Path base(Path root) throws IOException {
    Path base = root.resolve("base");
    write(base, "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [objects.yaml]\n");
    write(base, "objects.yaml", DEPLOYMENT + "---\n" + TOPIC);
    return base;
  }

  private static Path overlay(Path root, String kustomizationExtra, String patch) throws IOException {
    base(root);
    Path overlay = root.resolve("overlay");
    write(overlay, "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../base]\n"
        + kustomizationExtra);
    write(overlay, "patch.yaml", patch);
    return overlay;
  }

  @Test
  void mergesBuiltInListsByKeyAndReplacesCustomResourceListsWhole(@TempDir Path root) throws IOException {
    Path overlay = overlay(root, "patches: [{path: patch.yaml}]\n", """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: ns}
        spec:
          replicas: 3
          template:
            spec:
              containers:
                - {name: b, env: [{name: Y, value: "2"}]}
        ---
        apiVersion: kafka.strimzi.io/v1beta2
        kind: KafkaTopic
        metadata: {name: t, namespace: ns}
        spec:
          config: {retention.ms: null, min.insync.replicas: 1}
        """);

    List<Manifest> objects = Kustomize.render(overlay);

    Manifest web = objects.get(0);
    assertThat(web.at("/spec/replicas").asInt()).isEqualTo(3);
    assertThat(web.at("/spec/template/spec/containers").toString()).isEqualTo(
        "[{\"name\":\"a\",\"image\":\"img/a:1\",\"env\":[{\"name\":\"X\",\"value\":\"1\"}]},"
            + "{\"name\":\"b\",\"image\":\"img/b:1\",\"env\":[{\"name\":\"Y\",\"value\":\"2\"}]}]");
    assertThat(web.source()).isEqualTo("base/objects.yaml + overlay/patch.yaml");
    assertThat(objects.get(1).at("/spec/config").toString()).isEqualTo("{\"cleanup.policy\":\"delete\",\"min.insync.replicas\":1}");
  }

  @Test
  void rewritesImagesByName(@TempDir Path root) throws IOException {
    Path overlay = overlay(root, "images: [{name: img/a, newName: reg.example/a, newTag: \"2\"}]\n", "");

    assertThat(Kustomize.render(overlay).get(0).at("/spec/template/spec/containers/0/image").asText()).isEqualTo("reg.example/a:2");
  }

  @Test
  void rejectsAPatchWhoseTargetDoesNotExist(@TempDir Path root) throws IOException {
    Path overlay = overlay(root, "patches: [{path: patch.yaml}]\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: wbe, namespace: ns}\nspec: {replicas: 2}\n");

    assertThatThrownBy(() -> Kustomize.render(overlay)).isInstanceOf(ManifestException.class)
        .hasMessage("overlay/patch.yaml: patch targets Deployment ns/wbe (apps/v1), which the resources do not define");
  }

  @Test
  void rejectsKustomizationFieldsItDoesNotRender(@TempDir Path root) throws IOException {
    Path overlay = overlay(root, "commonLabels: {a: b}\n", "");

    assertThatThrownBy(() -> Kustomize.render(overlay)).hasMessageContaining("unsupported field(s) [commonLabels]");
  }

  @Test
  void rejectsAnImageRuleThatMatchesNothing(@TempDir Path root) throws IOException {
    Path overlay = overlay(root, "images: [{name: img/c, newTag: \"2\"}]\n", "");

    assertThatThrownBy(() -> Kustomize.render(overlay)).hasMessageContaining("image rule for img/c matches no container");
  }

  @Test
  void rejectsAMissingResourceAndADuplicateKey(@TempDir Path root) throws IOException {
    Path base = base(root);
    write(base, "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [object.yaml]\n");
    assertThatThrownBy(() -> Kustomize.render(base)).hasMessage("base/kustomization.yaml: resource object.yaml does not exist");

    write(base, "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [objects.yaml]\n");
    write(base, "objects.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nmetadata: {name: b}\n");
    assertThatThrownBy(() -> Kustomize.render(base)).hasMessageContaining("Duplicate field 'metadata'");
  }
}
