package dev.tollgate.analytics.http;

import dev.tollgate.analytics.auth.Principal;
import java.util.List;
import java.util.Map;

/**
 * What an operation handler gets: the decoded query parameters, the path variables of its route
 * template ({@code {dimension}}, {@code {id}}), the {@code Accept} header (null when absent) and,
 * on authenticated routes, the caller's principal (null on public routes).
 *
 * <p>Immutable.
 */
record ApiRequest(String path, Map<String, List<String>> parameters, Principal principal, Map<String, String> pathVariables,
    String accept) {

  ApiRequest {
    parameters = Map.copyOf(parameters);
    pathVariables = Map.copyOf(pathVariables);
  }

  ApiRequest(String path, Map<String, List<String>> parameters, Principal principal) {
    this(path, parameters, principal, Map.of(), null);
  }

  /** The path variable {@code name} of the route template. */
  String pathVariable(String name) {
    String value = pathVariables.get(name);
    if (value == null) {
      throw new IllegalStateException("route has no path variable " + name);
    }
    return value;
  }
}
