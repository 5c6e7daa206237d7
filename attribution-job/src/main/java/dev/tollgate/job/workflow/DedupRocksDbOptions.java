package dev.tollgate.job.workflow;

import java.util.Collection;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

/**
 * RocksDB settings for the dedup state, on top of Flink's (which also turn on the files' bloom
 * filters, see {@code AttributionJob}). Nearly every lookup is of an id never seen, so nearly
 * every lookup misses: a bloom filter over the whole keys of each memtable answers such a miss
 * without walking the memtable's skip list (a cache miss per level, the largest single item of
 * the attribute task with the files' filters on).
 *
 * <p>Stateless; Flink instantiates it by name on each TaskManager.
 */
public final class DedupRocksDbOptions implements RocksDBOptionsFactory {

  private static final long serialVersionUID = 1L;

  /** Share of each memtable's size given to its filter (RocksDB's suggested 0.1 or less). */
  static final double MEMTABLE_FILTER_RATIO = 0.05;

  @Override
  public DBOptions createDBOptions(DBOptions current, Collection<AutoCloseable> handlesToClose) {
    return current;
  }

  @Override
  public ColumnFamilyOptions createColumnOptions(ColumnFamilyOptions current, Collection<AutoCloseable> handlesToClose) {
    return current.setMemtablePrefixBloomSizeRatio(MEMTABLE_FILTER_RATIO).setMemtableWholeKeyFiltering(true);
  }
}
