package dev.tollgate.job.row;

/**
 * One record of a compacted Kafka topic read as a table (the directory, the price overrides): the
 * table it belongs to, the record key and its UTF-8 JSON value. A null {@link #value} is a
 * tombstone: the key is deleted. Both tables reach the job's operator on one broadcast stream, so
 * each update names its {@link #table}.
 *
 * <p>A Flink POJO (public no-arg constructor, public fields); not thread-safe.
 */
public final class TableUpdate {

  /** {@link #table} of the key directory ({@code kafka.topics.directory}). */
  public static final String DIRECTORY = "directory";
  /** {@link #table} of the price overrides ({@code kafka.topics.prices}). */
  public static final String PRICES = "prices";

  /** {@link #DIRECTORY} or {@link #PRICES}; empty until the workflow tags the update. */
  public String table = "";
  public String key = "";
  /** The JSON value, or null for a tombstone. */
  public String value;

  public TableUpdate() {}

  /** An update of a table not named yet (the workflow names it by the topic it came from). */
  public TableUpdate(String key, String value) {
    this("", key, value);
  }

  public TableUpdate(String table, String key, String value) {
    this.table = table;
    this.key = key;
    this.value = value;
  }

  /** True when this record deletes its key. */
  public boolean isTombstone() {
    return value == null;
  }

  @Override
  public String toString() {
    // Values are configuration (owners, prices), never secrets; keys are fingerprints or models.
    return "TableUpdate{table=" + table + ", key=" + key + (value == null ? ", tombstone" : ", value=" + value) + "}";
  }
}
