package dev.tollgate.edge.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The attribution and credential headers of a request, with arbitrary values: parsing never
 * throws, the tag limits hold (at most 20 tags, key 1..64, value up to 256 characters), a trace
 * context is either fully valid or absent, and a credential found is never blank.
 *
 * <p>{@code Attribution} and {@code KeyFingerprinter} are package-private to the server package,
 * so they are reached through method handles rather than widened for a test.
 *
 * <p>Input layout: NUL-separated header values, in order: {@code x-tollgate-tags},
 * {@code traceparent}, {@code x-tollgate-tenant}, {@code x-tollgate-team}, {@code authorization},
 * {@code x-api-key}, and the query string. Bytes map to chars one to one, as Netty decodes headers.
 */
final class RequestHeadersFuzzTest {

  private static final String[] HEADERS = {
      "x-tollgate-tags", "traceparent", "x-tollgate-tenant", "x-tollgate-team", "authorization", "x-api-key"};

  private static final MethodHandle FROM;
  private static final MethodHandle TENANT;
  private static final MethodHandle TEAM;
  private static final MethodHandle TAGS;
  private static final MethodHandle TAGS_DROPPED;
  private static final MethodHandle TRACE_ID;
  private static final MethodHandle SPAN_ID;
  private static final MethodHandle CREDENTIAL;

  static {
    try {
      Class<?> attribution = Class.forName("dev.tollgate.edge.server.Attribution");
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(attribution, MethodHandles.lookup());
      FROM = lookup.findStatic(attribution, "from", MethodType.methodType(attribution, HttpHeaders.class, String.class));
      TENANT = lookup.findVirtual(attribution, "tenant", MethodType.methodType(String.class));
      TEAM = lookup.findVirtual(attribution, "team", MethodType.methodType(String.class));
      TAGS = lookup.findVirtual(attribution, "tags", MethodType.methodType(Map.class));
      TAGS_DROPPED = lookup.findVirtual(attribution, "tagsDropped", MethodType.methodType(int.class));
      TRACE_ID = lookup.findVirtual(attribution, "traceId", MethodType.methodType(String.class));
      SPAN_ID = lookup.findVirtual(attribution, "spanId", MethodType.methodType(String.class));
      Class<?> fingerprinter = Class.forName("dev.tollgate.edge.server.KeyFingerprinter");
      CREDENTIAL = MethodHandles.privateLookupIn(fingerprinter, MethodHandles.lookup())
          .findStatic(fingerprinter, "credential", MethodType.methodType(String.class, HttpHeaders.class, String.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @FuzzTest(maxDuration = "15s")
  void parsesAnyHeadersWithinTheirLimits(byte[] input) throws Throwable {
    List<String> values = fields(input);
    HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    for (int i = 0; i < HEADERS.length && i < values.size(); i++) {
      headers.add(HEADERS[i], values.get(i));
    }
    String query = values.size() > HEADERS.length ? values.get(HEADERS.length) : null;

    Object attribution = FROM.invoke(headers, "default");
    String tenant = (String) TENANT.invoke(attribution);
    assertThat(tenant).isNotEmpty().hasSizeLessThanOrEqualTo(256);
    String team = (String) TEAM.invoke(attribution);
    assertThat(team == null || (!team.isEmpty() && team.length() <= 256 && team.equals(team.strip()))).isTrue();

    @SuppressWarnings("unchecked")
    Map<String, String> tags = (Map<String, String>) TAGS.invoke(attribution);
    int dropped = (int) TAGS_DROPPED.invoke(attribution);
    assertThat(tags).hasSizeLessThanOrEqualTo(20);
    assertThat(dropped).isNotNegative();
    tags.forEach((key, value) -> {
      assertThat(key).isNotEmpty().hasSizeLessThanOrEqualTo(64).isEqualTo(key.strip()).doesNotContain(",", "=");
      assertThat(value).hasSizeLessThanOrEqualTo(256).isEqualTo(value.strip()).doesNotContain(",");
    });
    if (!values.isEmpty()) {
      int parts = values.get(0).split(",", -1).length;
      assertThat(tags.size() + dropped).isLessThanOrEqualTo(parts);
    }

    String traceId = (String) TRACE_ID.invoke(attribution);
    String spanId = (String) SPAN_ID.invoke(attribution);
    assertThat(traceId == null).isEqualTo(spanId == null);
    if (traceId != null) {
      assertThat(traceId).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
      assertThat(spanId).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
    }

    String credential = (String) CREDENTIAL.invoke(headers, query);
    assertThat(credential == null || !credential.isBlank()).isTrue();
  }

  private static List<String> fields(byte[] input) {
    List<String> fields = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= input.length; i++) {
      if (i == input.length || input[i] == 0) {
        fields.add(new String(input, start, i - start, StandardCharsets.ISO_8859_1));
        start = i + 1;
      }
    }
    return fields;
  }
}
