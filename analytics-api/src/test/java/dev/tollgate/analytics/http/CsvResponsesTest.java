package dev.tollgate.analytics.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CsvResponsesTest {

  @Test
  void quotesOnlyFieldsWithCommasQuotesOrLineBreaksAndEndsLinesWithCrlf() {
    FullHttpResponse response = CsvResponses.csv("x.csv", List.of("a", "b"), List.of(
        List.of("plain", "with,comma"), List.of("say \"hi\"", "two\nlines"), Arrays.asList("cr\r", null)));

    assertThat(response.content().toString(StandardCharsets.UTF_8)).isEqualTo(
        "a,b\r\nplain,\"with,comma\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\n\"cr\r\",\r\n");
    assertThat(response.headers().get("content-type")).isEqualTo("text/csv; charset=utf-8; header=present");
    assertThat(response.headers().get("content-disposition")).isEqualTo("attachment; filename=\"x.csv\"");
  }

  @Test
  void choosesCsvByParameterFirstThenByAcceptHeader() {
    assertThat(ResponseFormat.of(request(Map.of("format", List.of("csv")), null))).isEqualTo(ResponseFormat.CSV);
    assertThat(ResponseFormat.of(request(Map.of("format", List.of("json")), "text/csv"))).isEqualTo(ResponseFormat.JSON);
    assertThat(ResponseFormat.of(request(Map.of(), "text/csv;q=1, application/json;q=0.5"))).isEqualTo(ResponseFormat.CSV);
    assertThat(ResponseFormat.of(request(Map.of(), null))).isEqualTo(ResponseFormat.JSON);
    assertThatThrownBy(() -> ResponseFormat.of(request(Map.of("format", List.of("xml")), null)))
        .hasMessageContaining("allowed: json, csv");
  }

  private static ApiRequest request(Map<String, List<String>> parameters, String accept) {
    return new ApiRequest("/v1/spend", parameters, null, Map.of(), accept);
  }
}
