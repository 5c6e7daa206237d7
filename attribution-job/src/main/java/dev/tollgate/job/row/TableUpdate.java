package dev.tollgate.job.row;

/**
 * One record of a compacted Kafka topic read as a table (the directory, the price overrides): the
 * record key and its UTF-8 JSON value. A null {@link #value} is a tombstone: the key is deleted.
 *
 * <p>A Flink POJO (public no-arg constructor, public fields); not thread-safe.
 */
public final class TableUpdate {

  public String key = "";
  /** The JSON value, or null for a tombstone. */
  public String value;

  public TableUpdate() {}

  public TableUpdate(String key, String value) {
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
    return "TableUpdate{key=" + key + (value == null ? ", tombstone" : ", value=" + value) + "}";
  }
}
