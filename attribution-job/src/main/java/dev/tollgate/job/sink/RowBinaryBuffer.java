package dev.tollgate.job.sink;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer that writes values in ClickHouse's RowBinary encoding (little-endian
 * fixed-width integers, LEB128 lengths, UTF-8 strings): whole rows for RowBinary inserts, and the
 * values of one column for a Native block ({@link NativeColumn}), which encodes them the same way.
 *
 * <p>Not thread-safe.
 */
final class RowBinaryBuffer {

  private byte[] bytes;
  private int size;

  RowBinaryBuffer(int initialCapacity) {
    bytes = new byte[Math.max(64, initialCapacity)];
  }

  int size() {
    return size;
  }

  void clear() {
    size = 0;
  }

  /** A copy of the buffered bytes. */
  byte[] toByteArray() {
    return Arrays.copyOf(bytes, size);
  }

  /** The buffered bytes, without copying; valid until the next write or clear. */
  InputStream asInputStream() {
    return new ByteArrayInputStream(bytes, 0, size);
  }

  void uint8(int value) {
    ensure(1);
    bytes[size++] = (byte) value;
  }

  void uint16(int value) {
    ensure(2);
    bytes[size++] = (byte) value;
    bytes[size++] = (byte) (value >>> 8);
  }

  void uint32(long value) {
    ensure(4);
    for (int i = 0; i < 4; i++) {
      bytes[size++] = (byte) (value >>> (8 * i));
    }
  }

  void int64(long value) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      bytes[size++] = (byte) (value >>> (8 * i));
    }
  }

  /** UInt64 from a non-negative long. */
  void uint64(long value) {
    int64(value);
  }

  void nullableInt64(Long value) {
    if (value == null) {
      uint8(1);
    } else {
      uint8(0);
      int64(value);
    }
  }

  @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): exact for ASCII
  void string(String value) {
    String text = value == null ? "" : value;
    int length = text.length();
    if (ascii(text, length)) {
      // Nearly every value: its UTF-8 is its characters, copied without an intermediate array.
      varint(length);
      ensure(length);
      text.getBytes(0, length, bytes, size);
      size += length;
      return;
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    varint(utf8.length);
    ensure(utf8.length);
    System.arraycopy(utf8, 0, bytes, size, utf8.length);
    size += utf8.length;
  }

  private static boolean ascii(String text, int length) {
    for (int i = 0; i < length; i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  void stringArray(String[] values) {
    String[] v = values == null ? new String[0] : values;
    varint(v.length);
    for (String s : v) {
      string(s);
    }
  }

  void varint(long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      uint8((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    uint8((int) v);
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
