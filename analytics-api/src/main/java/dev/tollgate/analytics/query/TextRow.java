package dev.tollgate.analytics.query;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * One row of a TabSeparatedWithNames result: its values as text (escapes undone, NULL as null),
 * looked up by column alias. Large results are read this way: a tenth of JSONEachRow's bytes, no
 * field names per row and no tree to build.
 *
 * <p>Immutable.
 */
public final class TextRow {

  private final Map<String, Integer> columns;
  private final List<String> values;

  /** {@code columns} maps each alias to its index in {@code values} (shared by every row of a result). */
  TextRow(Map<String, Integer> columns, List<String> values) {
    this.columns = requireNonNull(columns, "columns");
    this.values = requireNonNull(values, "values");
    if (values.size() != columns.size()) {
      throw new IllegalStateException("row has " + values.size() + " values for " + columns.size() + " columns");
    }
  }

  /** The value of column {@code alias}, null for NULL; fails when the result has no such column. */
  public String text(String alias) {
    Integer index = columns.get(alias);
    if (index == null) {
      throw new IllegalStateException("column " + alias + " missing from the result");
    }
    return values.get(index);
  }
}
