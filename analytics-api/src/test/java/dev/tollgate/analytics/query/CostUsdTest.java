package dev.tollgate.analytics.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CostUsdTest {

  @Test
  void convertsNanosToAnExactDecimalWithoutTrailingZeros() {
    assertThat(CostUsd.fromNanos(2_500_000_000L).toPlainString()).isEqualTo("2.5");
    assertThat(CostUsd.fromNanos(1L).toPlainString()).isEqualTo("0.000000001");
    assertThat(CostUsd.fromNanos(123_456_789_012L).toPlainString()).isEqualTo("123.456789012");
  }

  @Test
  void writesZeroAndWholeAmountsWithoutExponent() {
    assertThat(CostUsd.fromNanos(0).toPlainString()).isEqualTo("0");
    assertThat(CostUsd.fromNanos(1_000_000_000_000L).toString()).isEqualTo("1000");
  }

  @Test
  void keepsSumsThatDoublesWouldRound() {
    // 0.1 + 0.2 as nanos: exact, unlike 0.1d + 0.2d.
    assertThat(CostUsd.fromNanos(100_000_000L + 200_000_000L).toPlainString()).isEqualTo("0.3");
    assertThat(CostUsd.fromNanos(Long.MAX_VALUE).toPlainString()).isEqualTo("9223372036.854775807");
  }
}
