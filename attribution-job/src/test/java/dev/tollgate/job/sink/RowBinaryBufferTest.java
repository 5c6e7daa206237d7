package dev.tollgate.job.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RowBinaryBufferTest {

  @Test
  void writesEveryStringAsItsLengthAndUtf8() {
    String[] values = {"", "search", "claude-sonnet-4-5", "équipe", "团队", "emoji 🙂", "x".repeat(300), "\u007f\u0080", null};
    RowBinaryBuffer buffer = new RowBinaryBuffer(8);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (String value : values) {
      buffer.string(value);
      byte[] utf8 = (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
      int length = utf8.length;
      while ((length & ~0x7F) != 0) {
        expected.write((length & 0x7F) | 0x80);
        length >>>= 7;
      }
      expected.write(length);
      expected.writeBytes(utf8);
    }
    assertThat(buffer.toByteArray()).isEqualTo(expected.toByteArray());
  }
}
