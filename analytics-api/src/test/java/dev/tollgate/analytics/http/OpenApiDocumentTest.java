package dev.tollgate.analytics.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.analytics.auth.TokenAuthenticator;
import dev.tollgate.analytics.query.ClickHouseReader;
import dev.tollgate.analytics.query.InvocationField;
import dev.tollgate.analytics.query.Metric;
import dev.tollgate.clickhouse.ClickHouseClients;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class OpenApiDocumentTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode doc = load();
  private final List<ApiDispatcher.Route> routes = routes();

  @Test
  void documentsEveryRouteTheServerAnswersAndNoOther() {
    TreeSet<String> served = new TreeSet<>();
    routes.forEach(route -> served.add(route.method().name() + " " + route.template()));
    TreeSet<String> documented = new TreeSet<>();
    doc.get("paths").fields().forEachRemaining(path ->
        path.getValue().fieldNames().forEachRemaining(method -> documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey())));

    assertThat(doc.get("openapi").asText()).startsWith("3.");
    assertThat(documented).containsExactlyElementsOf(served);
  }

  @Test
  void documentsExactlyTheParametersEachOperationAccepts() {
    assertThat(queryParameters("/v1/spend")).containsExactlyInAnyOrderElementsOf(SpendParameters.PARAMETERS);
    assertThat(queryParameters("/v1/top/{dimension}")).containsExactlyInAnyOrderElementsOf(TopHandler.PARAMETERS);
    assertThat(queryParameters("/v1/invocations")).containsExactlyInAnyOrderElementsOf(InvocationsHandler.PARAMETERS);
    assertThat(queryParameters("/v1/invocations/{id}")).isEmpty();
    assertThat(queryParameters("/v1/dimensions/{dimension}/values"))
        .containsExactlyInAnyOrderElementsOf(DimensionValuesHandler.PARAMETERS);
  }

  @Test
  void documentsEveryAuthenticatedErrorAndEveryPathVariable() {
    for (ApiDispatcher.Route route : routes) {
      JsonNode operation = doc.get("paths").get(route.template()).get("get");
      List<String> variables = new ArrayList<>();
      for (String part : route.template().split("/")) {
        if (part.startsWith("{")) {
          variables.add(part.substring(1, part.length() - 1));
        }
      }
      List<String> pathParameters = new ArrayList<>();
      operation.path("parameters").forEach(p -> {
        JsonNode resolved = resolve(p);
        if (resolved.get("in").asText().equals("path")) {
          pathParameters.add(resolved.get("name").asText());
        }
      });
      assertThat(pathParameters).as(route.template()).containsExactlyElementsOf(variables);
      if (route.template().startsWith("/v1/")) {
        assertThat(operation.get("responses").fieldNames()).as(route.template()).toIterable()
            .contains("200", "400", "401", "403", "500", "503");
      }
    }
  }

  @Test
  void documentsEveryMetricAndEveryInvocationField() {
    JsonNode metrics = doc.at("/components/schemas/Metrics/properties");
    assertThat(names(metrics.fieldNames())).containsExactlyElementsOf(Arrays.stream(Metric.values()).map(Metric::field).toList());
    JsonNode invocation = doc.at("/components/schemas/Invocation/properties");
    assertThat(names(invocation.fieldNames()))
        .containsExactlyElementsOf(Arrays.stream(InvocationField.values()).map(InvocationField::field).toList());
    assertThat(doc.at("/components/parameters/order/schema/enum")).extracting(JsonNode::asText)
        .containsExactlyElementsOf(Metric.orderNames());
  }

  private List<String> queryParameters(String path) {
    List<String> out = new ArrayList<>();
    doc.get("paths").get(path).get("get").path("parameters").forEach(p -> {
      JsonNode resolved = resolve(p);
      if (resolved.get("in").asText().equals("query")) {
        out.add(resolved.get("name").asText());
      }
    });
    return out;
  }

  private JsonNode resolve(JsonNode parameter) {
    return parameter.has("$ref") ? doc.at(parameter.get("$ref").asText().substring(1)) : parameter;
  }

  private static List<String> names(Iterator<String> names) {
    List<String> out = new ArrayList<>();
    names.forEachRemaining(out::add);
    return out;
  }

  private static JsonNode load() {
    try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/dev/tollgate/analytics/openapi.json")) {
      return JSON.readTree(in);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<ApiDispatcher.Route> routes() {
    // The client never connects here: building the routes needs a reader, not a server.
    var client = ClickHouseClients.create("http://127.0.0.1:9", "default", "", "default");
    try {
      return new AnalyticsHttpInitializer(Executors.newSingleThreadExecutor(), new TokenAuthenticator(List.of()),
          new ClickHouseReader(client, Duration.ofSeconds(1)), 100, Duration.ofDays(1), true).routes();
    } finally {
      client.close();
    }
  }

}
