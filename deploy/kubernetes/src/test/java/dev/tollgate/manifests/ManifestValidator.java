package dev.tollgate.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a set of rendered objects the way the API server and the operators would, and a bit
 * stricter: each object against its type (built-in kinds through {@link ObjectModel}, custom
 * resources through the schemas in {@code deploy/kubernetes/schemas/}), then the references
 * between objects — a Service must select pods and name their ports, every mounted volume must be
 * declared, every ConfigMap, Secret and key referenced must exist, an HPA or PDB must target a
 * Deployment, a pod's probes must name its ports.
 *
 * <p>Not thread-safe: one instance per validation.
 */
final class ManifestValidator {

  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** Custom resources by {@code apiVersion/kind}: their schema file. */
  static final Map<String, String> CUSTOM = Map.of(
      "flink.apache.org/v1beta1/FlinkDeployment", "flinkdeployment.schema.json",
      "kafka.strimzi.io/v1beta2/KafkaTopic", "kafkatopic.schema.json",
      "clickhouse.altinity.com/v1/ClickHouseInstallation", "clickhouseinstallation.schema.json");

  private final Path schemaDir;
  private final Set<String> externalNamespaces;
  private final List<String> problems = new ArrayList<>();
  private final Map<String, Object> typed = new HashMap<>();

  /**
   * @param schemaDir the custom-resource schemas
   * @param externalNamespaces namespaces other installations create (Strimzi's "kafka"), which
   *     objects may live in without a Namespace object here
   */
  ManifestValidator(Path schemaDir, Set<String> externalNamespaces) {
    this.schemaDir = Objects.requireNonNull(schemaDir, "schemaDir");
    this.externalNamespaces = Set.copyOf(externalNamespaces);
  }

  /** Every problem found in {@code objects}, each naming the object and the field; empty when valid. */
  List<String> validate(List<Manifest> objects) {
    for (Manifest m : objects) {
      checkType(m);
    }
    Set<String> namespaces = new HashSet<>(externalNamespaces);
    objects.stream().filter(m -> m.kind().equals("Namespace")).forEach(m -> namespaces.add(m.name()));
    for (Manifest m : objects) {
      checkMetadata(m, namespaces);
      Object value = typed.get(m.id());
      if (value instanceof Deployment d) {
        checkDeployment(m, d, objects);
      } else if (value instanceof Service s) {
        checkService(m, s, objects);
      } else if (value instanceof HorizontalPodAutoscaler h) {
        checkAutoscaler(m, h, objects);
      } else if (value instanceof PodDisruptionBudget p) {
        checkDisruptionBudget(m, p, objects);
      } else if (m.kind().equals("FlinkDeployment")) {
        Pod template = ObjectModel.read(m.at("/spec/podTemplate"), Pod.class, "spec.podTemplate", new ArrayList<>());
        if (template != null && template.getSpec() != null) {
          checkPodSpec(m, "spec.podTemplate.spec", template.getSpec(), objects, false);
        }
      } else if (m.kind().equals("ClickHouseInstallation")) {
        checkClickHouse(m, objects);
      }
    }
    return List.copyOf(problems);
  }

  private void checkType(Manifest m) {
    String type = m.apiVersion() + "/" + m.kind();
    Class<?> builtIn = ObjectModel.KINDS.get(type);
    String schema = CUSTOM.get(type);
    List<String> found = new ArrayList<>();
    if (builtIn != null) {
      typed.put(m.id(), ObjectModel.read(m.body(), builtIn, m.kind().toLowerCase(java.util.Locale.ROOT), found));
    } else if (schema != null) {
      SchemaCheck.check(loadSchema(schema), m.body(), m.kind().toLowerCase(java.util.Locale.ROOT), found);
    } else {
      found.add("apiVersion/kind " + type + " is not a kind the manifests may use (expected one of "
          + new java.util.TreeSet<>(ObjectModel.KINDS.keySet()) + " or " + new java.util.TreeSet<>(CUSTOM.keySet()) + ")");
    }
    found.forEach(p -> problem(m, p));
  }

  private void checkMetadata(Manifest m, Set<String> namespaces) {
    if (m.name().isEmpty()) {
      problem(m, "metadata.name missing");
    } else if (!DNS_SUBDOMAIN.matcher(m.name()).matches()) {
      problem(m, "metadata.name " + m.name() + " (expected: a DNS subdomain, lower case)");
    }
    if (m.kind().equals("Namespace")) {
      return;
    }
    if (m.namespace().isEmpty()) {
      problem(m, "metadata.namespace missing (every object states its namespace)");
    } else if (!namespaces.contains(m.namespace())) {
      problem(m, "metadata.namespace " + m.namespace() + " is neither defined here nor external " + externalNamespaces);
    }
  }

  private void checkDeployment(Manifest m, Deployment d, List<Manifest> all) {
    if (d.getSpec() == null || d.getSpec().getTemplate() == null || d.getSpec().getTemplate().getSpec() == null) {
      problem(m, "spec.template.spec missing");
      return;
    }
    LabelSelector selector = d.getSpec().getSelector();
    Map<String, String> podLabels = labels(d.getSpec().getTemplate().getMetadata());
    if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()) {
      problem(m, "spec.selector.matchLabels missing");
    } else if (!matches(selector.getMatchLabels(), podLabels)) {
      problem(m, "spec.selector " + selector.getMatchLabels() + " does not match the pod template's labels " + podLabels);
    }
    checkPodSpec(m, "spec.template.spec", d.getSpec().getTemplate().getSpec(), all, true);
  }

  private void checkPodSpec(Manifest m, String path, PodSpec pod, List<Manifest> all, boolean requireImages) {
    Set<String> volumes = new HashSet<>();
    for (Volume v : list(pod.getVolumes())) {
      if (!volumes.add(v.getName())) {
        problem(m, path + ".volumes: " + v.getName() + " declared twice");
      }
      int sources = 0;
      sources += v.getConfigMap() != null ? 1 : 0;
      sources += v.getSecret() != null ? 1 : 0;
      sources += v.getEmptyDir() != null ? 1 : 0;
      sources += v.getPersistentVolumeClaim() != null ? 1 : 0;
      sources += v.getEphemeral() != null ? 1 : 0;
      sources += v.getProjected() != null ? 1 : 0;
      if (sources != 1) {
        problem(m, path + ".volumes." + v.getName() + ": " + sources + " volume sources (expected: exactly 1)");
      }
      if (v.getConfigMap() != null) {
        requireObject(m, all, "ConfigMap", v.getConfigMap().getName(), path + ".volumes." + v.getName());
      }
      if (v.getSecret() != null) {
        requireObject(m, all, "Secret", v.getSecret().getSecretName(), path + ".volumes." + v.getName());
      }
    }
    if (list(pod.getContainers()).isEmpty()) {
      problem(m, path + ".containers: none");
    }
    Set<String> used = new HashSet<>();
    for (Container c : list(pod.getContainers())) {
      String at = path + ".containers." + c.getName();
      if (c.getName() == null || !DNS_LABEL.matcher(c.getName()).matches()) {
        problem(m, at + ": name " + c.getName() + " (expected: a DNS label)");
      }
      if (requireImages && (c.getImage() == null || c.getImage().isBlank())) {
        problem(m, at + ": image missing");
      }
      for (VolumeMount mount : list(c.getVolumeMounts())) {
        used.add(mount.getName());
        if (!volumes.contains(mount.getName())) {
          problem(m, at + ".volumeMounts: " + mount.getName() + " is not a volume of the pod " + volumes);
        }
        if (mount.getMountPath() == null || !mount.getMountPath().startsWith("/")) {
          problem(m, at + ".volumeMounts." + mount.getName() + ": mountPath " + mount.getMountPath() + " (expected: absolute)");
        }
      }
      for (EnvVar env : list(c.getEnv())) {
        if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
          var ref = env.getValueFrom().getSecretKeyRef();
          requireKey(m, all, "Secret", ref.getName(), ref.getKey(), at + ".env." + env.getName());
        }
        if (env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null) {
          var ref = env.getValueFrom().getConfigMapKeyRef();
          requireKey(m, all, "ConfigMap", ref.getName(), ref.getKey(), at + ".env." + env.getName());
        }
      }
      Set<String> portNames = new HashSet<>();
      Set<Integer> portNumbers = new HashSet<>();
      for (ContainerPort p : list(c.getPorts())) {
        portNumbers.add(p.getContainerPort());
        if (p.getName() != null) {
          portNames.add(p.getName());
        }
      }
      checkProbe(m, at + ".readinessProbe", c.getReadinessProbe(), portNames, portNumbers);
      checkProbe(m, at + ".livenessProbe", c.getLivenessProbe(), portNames, portNumbers);
      checkProbe(m, at + ".startupProbe", c.getStartupProbe(), portNames, portNumbers);
    }
    for (String v : volumes) {
      if (!used.contains(v)) {
        problem(m, path + ".volumes." + v + ": mounted by no container");
      }
    }
  }

  private void checkProbe(Manifest m, String at, Probe probe, Set<String> names, Set<Integer> numbers) {
    if (probe == null) {
      return;
    }
    IntOrString port = probe.getHttpGet() != null ? probe.getHttpGet().getPort()
        : probe.getTcpSocket() != null ? probe.getTcpSocket().getPort() : null;
    if (port == null && probe.getExec() == null && probe.getGrpc() == null) {
      problem(m, at + ": no httpGet, tcpSocket, exec or grpc");
    }
    if (port != null && !portResolves(port, names, numbers)) {
      problem(m, at + ": port " + portText(port) + " is not a port of the container " + names);
    }
  }

  private void checkService(Manifest m, Service s, List<Manifest> all) {
    Map<String, String> selector = s.getSpec() == null ? null : s.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      problem(m, "spec.selector missing");
      return;
    }
    List<Deployment> targets = deployments(all, m.namespace()).stream()
        .filter(d -> matches(selector, labels(d.getSpec().getTemplate().getMetadata()))).toList();
    if (targets.isEmpty()) {
      problem(m, "spec.selector " + selector + " selects no Deployment's pods");
      return;
    }
    for (ServicePort port : list(s.getSpec().getPorts())) {
      IntOrString target = port.getTargetPort() != null ? port.getTargetPort() : new IntOrString(port.getPort());
      for (Deployment d : targets) {
        Set<String> names = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        for (Container c : list(d.getSpec().getTemplate().getSpec().getContainers())) {
          for (ContainerPort p : list(c.getPorts())) {
            numbers.add(p.getContainerPort());
            if (p.getName() != null) {
              names.add(p.getName());
            }
          }
        }
        if (!portResolves(target, names, numbers)) {
          problem(m, "spec.ports." + port.getName() + ": targetPort " + portText(target) + " is not a port of "
              + d.getMetadata().getName() + " " + names);
        }
      }
    }
  }

  private void checkAutoscaler(Manifest m, HorizontalPodAutoscaler h, List<Manifest> all) {
    var spec = h.getSpec();
    if (spec == null || spec.getScaleTargetRef() == null) {
      problem(m, "spec.scaleTargetRef missing");
      return;
    }
    var ref = spec.getScaleTargetRef();
    Deployment target = deployments(all, m.namespace()).stream()
        .filter(d -> d.getMetadata().getName().equals(ref.getName())).findFirst().orElse(null);
    if (!"Deployment".equals(ref.getKind()) || target == null) {
      problem(m, "spec.scaleTargetRef " + ref.getKind() + "/" + ref.getName() + " is not a Deployment here");
    }
    if (spec.getMaxReplicas() == null || spec.getMinReplicas() == null || spec.getMinReplicas() > spec.getMaxReplicas()) {
      problem(m, "minReplicas " + spec.getMinReplicas() + ", maxReplicas " + spec.getMaxReplicas() + " (expected: both, min <= max)");
    }
    boolean cpuMetric = list(spec.getMetrics()).stream()
        .anyMatch(x -> x.getResource() != null && "cpu".equals(x.getResource().getName()));
    if (cpuMetric && target != null) {
      for (Container c : list(target.getSpec().getTemplate().getSpec().getContainers())) {
        if (c.getResources() == null || c.getResources().getRequests() == null || !c.getResources().getRequests().containsKey("cpu")) {
          problem(m, "scales on CPU utilisation but container " + c.getName() + " requests no cpu");
        }
      }
    }
  }

  private void checkDisruptionBudget(Manifest m, PodDisruptionBudget p, List<Manifest> all) {
    var spec = p.getSpec();
    if (spec == null || spec.getSelector() == null || spec.getSelector().getMatchLabels() == null) {
      problem(m, "spec.selector.matchLabels missing");
      return;
    }
    if ((spec.getMinAvailable() == null) == (spec.getMaxUnavailable() == null)) {
      problem(m, "exactly one of minAvailable and maxUnavailable must be set");
    }
    List<Deployment> targets = deployments(all, m.namespace()).stream()
        .filter(d -> matches(spec.getSelector().getMatchLabels(), labels(d.getSpec().getTemplate().getMetadata()))).toList();
    if (targets.isEmpty()) {
      problem(m, "spec.selector " + spec.getSelector().getMatchLabels() + " selects no Deployment's pods");
    }
    for (Deployment d : targets) {
      int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      IntOrString min = spec.getMinAvailable();
      if (min != null && min.getIntVal() != null && min.getIntVal() >= replicas) {
        problem(m, "minAvailable " + min.getIntVal() + " >= " + replicas + " replicas of " + d.getMetadata().getName()
            + ": no pod could ever be evicted, node drains would hang");
      }
    }
  }

  private void checkClickHouse(Manifest m, List<Manifest> all) {
    m.at("/spec/configuration/users").fields().forEachRemaining(e -> {
      if (e.getKey().endsWith("/k8s_secret_password")) {
        String[] ref = e.getValue().asText().split("/");
        if (ref.length != 2) {
          problem(m, "spec.configuration.users." + e.getKey() + ": " + e.getValue() + " (expected: SECRET/KEY)");
        } else {
          requireKey(m, all, "Secret", ref[0], ref[1], "spec.configuration.users." + e.getKey());
        }
      }
    });
    Set<String> podTemplates = new HashSet<>();
    m.at("/spec/templates/podTemplates").forEach(t -> podTemplates.add(t.path("name").asText()));
    Set<String> volumeTemplates = new HashSet<>();
    m.at("/spec/templates/volumeClaimTemplates").forEach(t -> volumeTemplates.add(t.path("name").asText()));
    JsonNode defaults = m.at("/spec/defaults/templates");
    if (defaults.has("podTemplate") && !podTemplates.contains(defaults.get("podTemplate").asText())) {
      problem(m, "spec.defaults.templates.podTemplate " + defaults.get("podTemplate") + " is not in spec.templates.podTemplates");
    }
    if (defaults.has("dataVolumeClaimTemplate") && !volumeTemplates.contains(defaults.get("dataVolumeClaimTemplate").asText())) {
      problem(m, "spec.defaults.templates.dataVolumeClaimTemplate " + defaults.get("dataVolumeClaimTemplate")
          + " is not in spec.templates.volumeClaimTemplates");
    }
    for (JsonNode t : m.at("/spec/templates/podTemplates")) {
      PodSpec spec = ObjectModel.read(t.path("spec"), PodSpec.class, "podTemplate", new ArrayList<>());
      if (spec != null) {
        checkPodSpec(m, "spec.templates.podTemplates." + t.path("name").asText() + ".spec", spec, all, true);
      }
    }
  }

  private void requireObject(Manifest m, List<Manifest> all, String kind, String name, String at) {
    if (find(all, kind, m.namespace(), name) == null) {
      problem(m, at + ": " + kind + " " + m.namespace() + "/" + name + " does not exist");
    }
  }

  private void requireKey(Manifest m, List<Manifest> all, String kind, String name, String key, String at) {
    Object target = find(all, kind, m.namespace(), name);
    if (target == null) {
      problem(m, at + ": " + kind + " " + m.namespace() + "/" + name + " does not exist");
      return;
    }
    Set<String> keys = new HashSet<>();
    if (target instanceof Secret s) {
      keys.addAll(s.getData() == null ? Set.of() : s.getData().keySet());
      keys.addAll(s.getStringData() == null ? Set.of() : s.getStringData().keySet());
    } else if (target instanceof ConfigMap c) {
      keys.addAll(c.getData() == null ? Set.of() : c.getData().keySet());
    }
    if (!keys.contains(key)) {
      problem(m, at + ": " + kind + " " + name + " has no key " + key + " " + keys);
    }
  }

  private Object find(List<Manifest> all, String kind, String namespace, String name) {
    return all.stream()
        .filter(o -> o.kind().equals(kind) && o.namespace().equals(namespace) && o.name().equals(name))
        .map(o -> typed.get(o.id())).filter(Objects::nonNull).findFirst().orElse(null);
  }

  private List<Deployment> deployments(List<Manifest> all, String namespace) {
    return all.stream().filter(o -> o.namespace().equals(namespace))
        .map(o -> typed.get(o.id())).filter(Deployment.class::isInstance).map(Deployment.class::cast)
        .filter(d -> d.getSpec() != null && d.getSpec().getTemplate() != null && d.getSpec().getTemplate().getSpec() != null)
        .toList();
  }

  private JsonNode loadSchema(String file) {
    try {
      return new ObjectMapper().readTree(schemaDir.resolve(file).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("schema " + file, e);
    }
  }

  private void problem(Manifest m, String text) {
    problems.add(m.describe() + ": " + text);
  }

  private static boolean portResolves(IntOrString port, Set<String> names, Set<Integer> numbers) {
    return port.getIntVal() != null ? numbers.contains(port.getIntVal()) : names.contains(port.getStrVal());
  }

  private static String portText(IntOrString port) {
    return port.getIntVal() != null ? port.getIntVal().toString() : port.getStrVal();
  }

  private static Map<String, String> labels(ObjectMeta meta) {
    return meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  private static <T> List<T> list(List<T> value) {
    return value == null ? List.of() : value;
  }
}
