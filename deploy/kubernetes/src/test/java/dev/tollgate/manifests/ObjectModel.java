package dev.tollgate.manifests;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes' object model (fabric8's generated classes, one per API type): a manifest is read
 * into the class of its apiVersion and kind, and every field the class does not declare is an
 * error. fabric8 keeps unknown fields in each object's {@code additionalProperties} instead of
 * failing, so this walks the whole object graph and reports every non-empty one with its path.
 *
 * <p>Stateless and thread-safe.
 */
final class ObjectModel {

  /** The built-in kinds the manifests may use, by {@code apiVersion/kind}. */
  static final Map<String, Class<?>> KINDS = Map.of(
      "v1/Namespace", Namespace.class,
      "v1/ConfigMap", ConfigMap.class,
      "v1/Secret", Secret.class,
      "v1/Service", Service.class,
      "apps/v1/Deployment", Deployment.class,
      "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
      "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

  /** Types a custom-resource schema can delegate a subtree to ({@code x-kubernetes-type}). */
  static final Map<String, Class<?>> EMBEDDED = Map.of(
      "ObjectMeta", ObjectMeta.class,
      "Pod", Pod.class,
      "PodSpec", PodSpec.class,
      "PersistentVolumeClaimSpec", PersistentVolumeClaimSpec.class);

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private ObjectModel() {}

  /** {@code node} read as {@code type}; problems (unknown fields, wrong types) are added with {@code path}. */
  static <T> T read(JsonNode node, Class<T> type, String path, List<String> problems) {
    T value;
    try {
      value = MAPPER.convertValue(node, type);
    } catch (IllegalArgumentException e) {
      problems.add(path + ": not a valid " + type.getSimpleName() + ": " + firstLine(e.getMessage()));
      return null;
    }
    unknownFields(value, path, problems, Collections.newSetFromMap(new IdentityHashMap<>()));
    return value;
  }

  private static void unknownFields(Object value, String path, List<String> problems, Set<Object> seen) {
    if (value == null || !seen.add(value)) {
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, problems, seen));
      return;
    }
    if (value instanceof Collection<?> list) {
      int i = 0;
      for (Object element : list) {
        unknownFields(element, path + "[" + i++ + "]", problems, seen);
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object child;
      try {
        child = getter.invoke(value);
      } catch (IllegalAccessException e) {
        continue;
      } catch (InvocationTargetException e) {
        // A getter that computes from a field (Quantity's amount) throws on a malformed value.
        problems.add(path + ": invalid value (" + firstLine(String.valueOf(e.getCause().getMessage())) + ")");
        continue;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": unknown field(s) " + new java.util.TreeSet<>(extra.keySet().stream().map(String::valueOf).toList()));
        }
      } else {
        String name = getter.getName().substring(3);
        unknownFields(child, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1), problems, seen);
      }
    }
  }

  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
