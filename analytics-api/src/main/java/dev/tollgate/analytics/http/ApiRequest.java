package dev.tollgate.analytics.http;

import dev.tollgate.analytics.auth.Principal;
import java.util.List;
import java.util.Map;

/**
 * What an operation handler gets: the decoded query parameters and, on authenticated routes, the
 * caller's principal (null on public routes).
 *
 * <p>Immutable.
 */
record ApiRequest(String path, Map<String, List<String>> parameters, Principal principal) {

  ApiRequest {
    parameters = Map.copyOf(parameters);
  }
}
