package dev.tollgate.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The validator rejects what the API server or an operator would reject (or silently ignore). */
class ManifestValidatorTest {

  /** The base, rendered, with {@code edit} applied to the body of {@code kind/name}; the problems found. */
  private static List<String> problemsAfter(String kind, String name, Consumer<ObjectNode> edit) {
    List<Manifest> objects = new ArrayList<>();
    for (Manifest m : KubernetesManifestsTest.render("base")) {
      ObjectNode body = m.body().deepCopy();
      if (m.kind().equals(kind) && m.name().equals(name)) {
        edit.accept(body);
      }
      objects.add(new Manifest(m.source(), body));
    }
    return new ManifestValidator(KubernetesManifestsTest.SCHEMAS, KubernetesManifestsTest.EXTERNAL_NAMESPACES).validate(objects);
  }

  private static ObjectNode at(ObjectNode body, String pointer) {
    return (ObjectNode) body.at(pointer);
  }

  @Test
  void theUntouchedBaseIsValid() {
    assertThat(problemsAfter("Deployment", "proxy-edge", body -> {})).isEmpty();
  }

  @Test
  void rejectsAMisspeltDeploymentField() {
    assertThat(problemsAfter("Deployment", "proxy-edge", body -> at(body, "/spec").put("replica", 3)))
        .singleElement().asString().contains("Deployment tollgate/proxy-edge").contains("deployment.spec: unknown field(s) [replica]");
  }

  @Test
  void rejectsAMisspeltFieldDeepInAContainer() {
    assertThat(problemsAfter("Deployment", "proxy-edge",
        body -> at(body, "/spec/template/spec/containers/0/readinessProbe").put("periodSecond", 5)))
        .singleElement().asString().contains("readinessProbe: unknown field(s) [periodSecond]");
  }

  @Test
  void rejectsAValueOfTheWrongType() {
    // The objects that point at it then find no Deployment either: those follow.
    assertThat(problemsAfter("Deployment", "proxy-edge", body -> at(body, "/spec").put("replicas", "two")))
        .first().asString().contains("not a valid Deployment: Cannot deserialize value of type `java.lang.Integer` from String \"two\"");
  }

  @Test
  void rejectsAContainerWithoutAnImage() {
    assertThat(problemsAfter("Deployment", "analytics-api",
        body -> at(body, "/spec/template/spec/containers/0").remove("image")))
        .singleElement().asString().contains("containers.analytics-api: image missing");
  }

  @Test
  void rejectsAMountOfAnUndeclaredVolume() {
    assertThat(problemsAfter("Deployment", "proxy-edge",
        body -> ((ObjectNode) body.at("/spec/template/spec/containers/0/volumeMounts/0")).put("name", "confg")))
        .anySatisfy(p -> assertThat(p).contains("volumeMounts: confg is not a volume of the pod"));
  }

  @Test
  void rejectsAReferenceToAMissingSecretKey() {
    assertThat(problemsAfter("Deployment", "analytics-api",
        body -> ((ObjectNode) body.at("/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef")).put("key", "passwd")))
        .singleElement().asString().contains("Secret tollgate-clickhouse has no key passwd");
  }

  @Test
  void rejectsAProbeOnAPortTheContainerDoesNotHave() {
    assertThat(problemsAfter("Deployment", "proxy-edge",
        body -> at(body, "/spec/template/spec/containers/0/readinessProbe/httpGet").put("port", "adm")))
        .singleElement().asString().contains("readinessProbe: port adm is not a port of the container");
  }

  @Test
  void rejectsAServiceThatSelectsNoPods() {
    assertThat(problemsAfter("Service", "proxy-edge", body -> at(body, "/spec/selector").put("app.kubernetes.io/name", "edge")))
        .singleElement().asString().contains("selects no Deployment's pods");
  }

  @Test
  void rejectsAnAutoscalerTargetingNothing() {
    assertThat(problemsAfter("HorizontalPodAutoscaler", "proxy-edge", body -> at(body, "/spec/scaleTargetRef").put("name", "edge")))
        .singleElement().asString().contains("is not a Deployment here");
  }

  @Test
  void rejectsADisruptionBudgetThatBlocksEveryEviction() {
    assertThat(problemsAfter("PodDisruptionBudget", "analytics-api", body -> at(body, "/spec").put("minAvailable", 2)))
        .singleElement().asString().contains("no pod could ever be evicted");
  }

  @Test
  void rejectsAMisspeltFlinkDeploymentField() {
    assertThat(problemsAfter("FlinkDeployment", "tollgate-attribution", body -> {
      ObjectNode job = at(body, "/spec/job");
      job.set("upgradeMod", job.remove("upgradeMode"));
    })).containsExactlyInAnyOrder(
        "FlinkDeployment tollgate/tollgate-attribution (base/attribution-job.yaml): flinkdeployment.spec.job: missing required field upgradeMode",
        "FlinkDeployment tollgate/tollgate-attribution (base/attribution-job.yaml): flinkdeployment.spec.job: unknown field upgradeMod");
  }

  @Test
  void rejectsAnUnknownUpgradeMode() {
    assertThat(problemsAfter("FlinkDeployment", "tollgate-attribution", body -> at(body, "/spec/job").put("upgradeMode", "checkpoint")))
        .singleElement().asString().contains("\"checkpoint\" (expected one of");
  }

  @Test
  void rejectsAMisspeltFieldInsideTheFlinkPodTemplate() {
    assertThat(problemsAfter("FlinkDeployment", "tollgate-attribution",
        body -> at(body, "/spec/podTemplate/spec/containers/0").set("volumeMount", body.at("/spec/podTemplate/spec/containers/0/volumeMounts"))))
        .anySatisfy(p -> assertThat(p).contains("flinkdeployment.spec.podTemplate.spec.containers[0]: unknown field(s) [volumeMount]"));
  }

  @Test
  void rejectsAKafkaTopicWithAMisspeltFieldOrConfig() {
    assertThat(problemsAfter("KafkaTopic", "tollgate.invocations", body -> {
      ObjectNode spec = at(body, "/spec");
      spec.set("partition", spec.remove("partitions"));
      at(body, "/spec/config").put("retention.msec", 1);
    })).containsExactlyInAnyOrder(
        "KafkaTopic kafka/tollgate.invocations (base/kafka-topics.yaml): kafkatopic.spec: missing required field partitions",
        "KafkaTopic kafka/tollgate.invocations (base/kafka-topics.yaml): kafkatopic.spec: unknown field partition",
        "KafkaTopic kafka/tollgate.invocations (base/kafka-topics.yaml): kafkatopic.spec.config: unknown field retention.msec");
  }

  @Test
  void rejectsAClickHouseLayoutTypoAndAnUndefinedTemplate() {
    assertThat(problemsAfter("ClickHouseInstallation", "tollgate", body -> {
      ObjectNode layout = at(body, "/spec/configuration/clusters/0/layout");
      layout.set("shardCount", layout.remove("shardsCount"));
      at(body, "/spec/defaults/templates").put("podTemplate", "clickhose");
    })).hasSize(3).anySatisfy(p -> assertThat(p).contains("layout: unknown field shardCount"))
        .anySatisfy(p -> assertThat(p).contains("podTemplate \"clickhose\" is not in spec.templates.podTemplates"));
  }

  @Test
  void rejectsAKindNoSchemaCovers() {
    assertThat(problemsAfter("KafkaTopic", "tollgate.prices", body -> body.put("apiVersion", "kafka.strimzi.io/v1")))
        .singleElement().asString().contains("kafka.strimzi.io/v1/KafkaTopic is not a kind the manifests may use");
  }

  @Test
  void rejectsAnObjectInAnUndefinedNamespace() {
    assertThat(problemsAfter("ConfigMap", "tollgate-config", body -> at(body, "/metadata").put("namespace", "tolgate")))
        .anySatisfy(p -> assertThat(p).contains("metadata.namespace tolgate is neither defined here nor external"));
  }

  @Test
  void rejectsAVolumeWithTwoSources() {
    assertThat(problemsAfter("Deployment", "proxy-edge", body -> {
      for (JsonNode v : (ArrayNode) body.at("/spec/template/spec/volumes")) {
        if (v.path("name").asText().equals("spool")) {
          ((ObjectNode) v).putObject("persistentVolumeClaim").put("claimName", "spool");
        }
      }
    })).singleElement().asString().contains("volumes.spool: 2 volume sources (expected: exactly 1)");
  }
}
