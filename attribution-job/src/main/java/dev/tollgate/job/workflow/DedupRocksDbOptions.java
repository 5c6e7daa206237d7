package dev.tollgate.job.workflow;

import java.util.Collection;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

/**
 * RocksDB settings for the dedup state, on top of Flink's (which also turn on the files' bloom
 * filters, partitioned and cached in managed memory, see {@code AttributionJob}). RocksDB is the
 * backend for ids not made by an edge, which take an entry each: nearly every lookup is of an id
 * never seen, so nearly every lookup misses, and a miss should cost filter probes only:
 *
 * <ul>
 *   <li>Memtables of {@link #FILE_BYTES}: a put walks a shorter skip list than in RocksDB's default
 *       64 MiB, and flushes stay small. Compaction writes files of the same size.
 *   <li>A bloom filter over the whole keys of each memtable answers a miss without walking the
 *       memtable's skip list.
 * </ul>
 *
 * <p>Stateless; Flink instantiates it by name on each TaskManager.
 */
public final class DedupRocksDbOptions implements RocksDBOptionsFactory {

  private static final long serialVersionUID = 1L;

  /** Size of each memtable, and of the files compaction writes. */
  static final long FILE_BYTES = 8L << 20;

  /** Share of each memtable's size given to its filter (RocksDB's suggested 0.1 or less). */
  static final double MEMTABLE_FILTER_RATIO = 0.05;

  @Override
  public DBOptions createDBOptions(DBOptions current, Collection<AutoCloseable> handlesToClose) {
    return current;
  }

  @Override
  public ColumnFamilyOptions createColumnOptions(ColumnFamilyOptions current, Collection<AutoCloseable> handlesToClose) {
    return current.setWriteBufferSize(FILE_BYTES).setTargetFileSizeBase(FILE_BYTES)
        .setMemtablePrefixBloomSizeRatio(MEMTABLE_FILTER_RATIO).setMemtableWholeKeyFiltering(true);
  }
}
