package dev.tollgate.job.workflow;

import dev.tollgate.job.row.TableUpdate;
import java.util.Objects;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Names the table of each update read from one table's topic, so the directory and the price
 * overrides can share the attribute operator's single broadcast input.
 *
 * <p>Stateless; one instance per subtask, called from the task thread only.
 */
final class TagTable implements MapFunction<TableUpdate, TableUpdate> {

  private static final long serialVersionUID = 1L;

  private final String table;

  TagTable(String table) {
    this.table = Objects.requireNonNull(table, "table");
  }

  @Override
  public TableUpdate map(TableUpdate update) {
    // The source made this instance for this record alone: naming it in place is safe.
    update.table = table;
    return update;
  }
}
