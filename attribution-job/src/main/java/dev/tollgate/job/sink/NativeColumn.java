package dev.tollgate.job.sink;

import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One column of a block in ClickHouse's Native format, filled row by row: the column's name, its
 * type, then its values one after another in the type's binary encoding (the format ClickHouse's
 * own clients and servers exchange, stable since before 18.16). ClickHouse reads a Native column
 * in bulk, where RowBinary makes it decode each value of each row on its own: on 18.16 a 100,000-row
 * insert of {@code invocations} costs the server about two thirds of the CPU as Native that it
 * costs as RowBinary.
 *
 * <p>Not thread-safe.
 */
abstract class NativeColumn {

  private final String name;
  private final String type;

  NativeColumn(String name, String type) {
    this.name = name;
    this.type = type;
  }

  final String name() {
    return name;
  }

  /**
   * A block of {@code columns}, each holding {@code rows} values, as ClickHouse's Native format
   * reads it: the column and row counts (LEB128), then each column. Reads the columns' buffers
   * without copying them: valid until the columns change.
   */
  static InputStream block(List<? extends NativeColumn> columns, int rows) {
    List<InputStream> parts = new ArrayList<>(columns.size() * 3 + 1);
    RowBinaryBuffer header = new RowBinaryBuffer(16);
    header.varint(columns.size());
    header.varint(rows);
    parts.add(header.asInputStream());
    for (NativeColumn column : columns) {
      column.appendTo(parts);
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  /** Empties the column, keeping its buffers for the next block. */
  abstract void clear();

  /** Appends the column's header and values, as streams to read in order. */
  final void appendTo(List<InputStream> parts) {
    RowBinaryBuffer header = new RowBinaryBuffer(name.length() + type.length() + 4);
    header.string(name);
    header.string(type);
    parts.add(header.asInputStream());
    appendValues(parts);
  }

  abstract void appendValues(List<InputStream> parts);

  /** A column whose values are one stream: each value's bytes after the previous one's. */
  private abstract static class OneStream extends NativeColumn {
    final RowBinaryBuffer values = new RowBinaryBuffer(64 * 1024);

    OneStream(String name, String type) {
      super(name, type);
    }

    @Override
    final void clear() {
      values.clear();
    }

    @Override
    final void appendValues(List<InputStream> parts) {
      parts.add(values.asInputStream());
    }
  }

  /** String: each value's UTF-8 bytes after their LEB128 length. */
  static final class Strings extends OneStream {
    Strings(String name) {
      super(name, "String");
    }

    void add(String value) {
      values.string(value);
    }
  }

  /** A fixed-width little-endian integer type ({@code UInt8}, {@code DateTime('UTC')}, {@code Int64}, …). */
  static final class Fixed extends OneStream {
    private final int width;

    Fixed(String name, String type, int width) {
      super(name, type);
      if (width != 1 && width != 2 && width != 4 && width != 8) {
        throw new IllegalArgumentException("width: " + width + " (expected: 1, 2, 4 or 8)");
      }
      this.width = width;
    }

    void add(long value) {
      switch (width) {
        case 1 -> values.uint8((int) value);
        case 2 -> values.uint16((int) value);
        case 4 -> values.uint32(value);
        default -> values.int64(value);
      }
    }
  }

  /** Nullable(Int64): the null map (one byte per row, 1 = NULL), then every row's value (0 when NULL). */
  static final class NullableInt64 extends NativeColumn {
    private final RowBinaryBuffer nulls = new RowBinaryBuffer(8 * 1024);
    private final RowBinaryBuffer values = new RowBinaryBuffer(64 * 1024);

    NullableInt64(String name) {
      super(name, "Nullable(Int64)");
    }

    void add(Long value) {
      nulls.uint8(value == null ? 1 : 0);
      values.int64(value == null ? 0 : value);
    }

    @Override
    void clear() {
      nulls.clear();
      values.clear();
    }

    @Override
    void appendValues(List<InputStream> parts) {
      parts.add(nulls.asInputStream());
      parts.add(values.asInputStream());
    }
  }

  /** Array(String): each row's end offset into the flattened values (UInt64, cumulative), then the values. */
  static final class StringArrays extends NativeColumn {
    private final RowBinaryBuffer offsets = new RowBinaryBuffer(64 * 1024);
    private final RowBinaryBuffer values = new RowBinaryBuffer(64 * 1024);
    private long count;

    StringArrays(String name) {
      super(name, "Array(String)");
    }

    void add(String[] array) {
      if (array != null) {
        for (String value : array) {
          values.string(value);
        }
        count += array.length;
      }
      offsets.uint64(count);
    }

    @Override
    void clear() {
      offsets.clear();
      values.clear();
      count = 0;
    }

    @Override
    void appendValues(List<InputStream> parts) {
      parts.add(offsets.asInputStream());
      parts.add(values.asInputStream());
    }
  }

  /**
   * LowCardinality(String): the block's own dictionary and each row's position in it. Laid out as
   * ClickHouse writes it (checked against 18.16's own Native output): the key serialization version
   * (1, shared dictionaries with additional keys), the index type (the positions' width, with the
   * "has additional keys" and "update dictionary" flags), the dictionary (the default value, the
   * empty string, first), the row count, and the positions.
   */
  static final class LowCardinalityStrings extends NativeColumn {
    private static final long KEYS_VERSION = 1;
    private static final long HAS_ADDITIONAL_KEYS = 1L << 9;
    private static final long NEED_UPDATE_DICTIONARY = 1L << 10;

    private final Map<String, Integer> positionOf = new HashMap<>();
    private final List<String> keys = new ArrayList<>();
    private int[] positions = new int[1024];
    private int rows;

    LowCardinalityStrings(String name) {
      super(name, "LowCardinality(String)");
      clear();
    }

    void add(String value) {
      String key = value == null ? "" : value;
      Integer position = positionOf.get(key);
      if (position == null) {
        position = keys.size();
        keys.add(key);
        positionOf.put(key, position);
      }
      if (rows == positions.length) {
        positions = Arrays.copyOf(positions, rows * 2);
      }
      positions[rows++] = position;
    }

    @Override
    void clear() {
      positionOf.clear();
      keys.clear();
      keys.add("");
      positionOf.put("", 0);
      rows = 0;
    }

    @Override
    void appendValues(List<InputStream> parts) {
      // Index types: 0 = UInt8, 1 = UInt16, 2 = UInt32 positions.
      int indexType = keys.size() <= 1 << 8 ? 0 : keys.size() <= 1 << 16 ? 1 : 2;
      int width = 1 << indexType;
      RowBinaryBuffer out = new RowBinaryBuffer(64 + keys.size() * 16 + rows * width);
      out.uint64(KEYS_VERSION);
      out.uint64(indexType | HAS_ADDITIONAL_KEYS | NEED_UPDATE_DICTIONARY);
      out.uint64(keys.size());
      for (String key : keys) {
        out.string(key);
      }
      out.uint64(rows);
      for (int i = 0; i < rows; i++) {
        switch (width) {
          case 1 -> out.uint8(positions[i]);
          case 2 -> out.uint16(positions[i]);
          default -> out.uint32(positions[i]);
        }
      }
      parts.add(out.asInputStream());
    }
  }
}
