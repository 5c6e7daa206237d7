package dev.tollgate.edge.publish;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, append-only disk spool of Kafka records (key + value) that could not be published,
 * kept in order until a replayer has delivered them.
 *
 * <p>Layout: one directory per edge instance (held with a file lock, so two processes never share
 * it) holding segment files {@code NNNNNNNNNNNNNNNNNNNN.spool}, numbered in append order. A
 * segment starts with the 8-byte magic {@code TGSPOOL1}, then records: {@code u32 payload length,
 * u32 CRC32C(payload), payload}, where payload = {@code u16 key length, key, value} (big-endian).
 * Exactly one segment, the newest, is active (appended to); the others are sealed and never
 * change again, so the replayer reads them without locking. {@link #roll()} seals the active
 * segment. Replay progress inside the oldest segment is kept in {@code replay.offset} (written
 * atomically), so a restart resumes where replay stopped instead of re-sending the segment.
 *
 * <p>Durability (fsync policy): appends go to the OS page cache; the active segment and segments
 * sealed since the last sync are forced to disk every {@link #syncIfDue sync interval} (the
 * replayer calls it, outside the lock appends take) and on close. A crash of the edge process loses nothing that was appended; a crash of the machine can
 * lose at most the last sync interval of spooled events.
 *
 * <p>A record that fails its length or CRC check (a torn write at the tail after a machine crash,
 * or a damaged disk) is counted in {@link #corruptRecords()} and the rest of that segment is
 * skipped: a bad length makes the following record boundaries unknowable.
 *
 * <p>Thread-safe: appends, rolls and deletions synchronise on the spool; reading sealed segments
 * needs no lock.
 */
public final class DiskSpool implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DiskSpool.class);

  static final byte[] MAGIC = "TGSPOOL1".getBytes(StandardCharsets.US_ASCII);
  static final int RECORD_HEADER_BYTES = 8;
  /** No event comes close; a larger length field is corruption, not a record. */
  static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;
  private static final String SUFFIX = ".spool";
  private static final String OFFSET_FILE = "replay.offset";

  /** A spooled record. */
  public record Entry(byte[] key, byte[] value) {}

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final long syncIntervalNanos;
  private final FileChannel lockChannel;
  private final FileLock lock;
  /** Sealed segments in append order, each with its count of records not yet delivered. */
  private final Deque<Segment> sealed = new ArrayDeque<>();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong records = new AtomicLong();
  private final AtomicLong corrupt = new AtomicLong();

  /**
   * Sealed segments' channels not yet forced to disk. Sealing happens under the spool's lock,
   * sometimes on an event loop (an append that fills a segment), so it never fsyncs: the sync
   * (replayer thread, outside the lock) forces and closes these.
   */
  private final List<FileChannel> unsynced = new ArrayList<>();

  private long nextSequence;
  private Path activePath;
  private FileChannel active;
  private long activeSize;
  private long activeRecords;
  private boolean dirty;
  private long lastSyncNanos = System.nanoTime();
  private boolean closed;

  private DiskSpool(Path dir, long maxBytes, long segmentBytes, long syncIntervalNanos) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.syncIntervalNanos = syncIntervalNanos;
    Files.createDirectories(dir);
    this.lockChannel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock acquired;
    try {
      acquired = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      acquired = null;
    }
    if (acquired == null) {
      lockChannel.close();
      throw new IOException("spool directory " + dir + " is in use by another edge (expected: one directory per instance)");
    }
    this.lock = acquired;
  }

  /**
   * Opens (creating if needed) the spool in {@code dir}, bounded to {@code maxBytes} on disk;
   * segments left by a previous process are kept, sealed, for replay.
   */
  public static DiskSpool open(Path dir, long maxBytes, java.time.Duration syncInterval) throws IOException {
    Objects.requireNonNull(dir, "dir");
    if (maxBytes < 4096) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 4096)");
    }
    // Small segments for small spools so the bound is approached in steps of at most 1/16.
    long segmentBytes = Math.max(4096, Math.min(64L * 1024 * 1024, maxBytes / 16));
    DiskSpool spool = new DiskSpool(dir, maxBytes, segmentBytes, syncInterval.toNanos());
    try {
      spool.recover();
    } catch (IOException | RuntimeException e) {
      spool.close();
      throw e;
    }
    return spool;
  }

  private void recover() throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      files.forEach(found::add);
    }
    found.sort(null); // zero-padded sequence numbers sort in append order
    Offset offset = readOffset();
    for (Path segment : found) {
      long size = Files.size(segment);
      long from = offset != null && offset.segment().equals(segment.getFileName().toString()) ? offset.position() : 0;
      long count = 0;
      try (Reader reader = new Reader(segment, from, corrupt)) {
        while (reader.next() != null) {
          count++;
        }
      }
      if (count == 0) {
        Files.deleteIfExists(segment); // nothing left to replay in it
      } else {
        Segment recovered = new Segment(segment, count);
        recovered.corruptionCounted = true; // by the scan above; replay must not count it again
        sealed.addLast(recovered);
        bytes.addAndGet(size);
        records.addAndGet(count);
      }
      nextSequence = Math.max(nextSequence, sequenceOf(segment) + 1);
    }
    if (offset != null && (sealed.isEmpty() || !sealed.peekFirst().path.getFileName().toString().equals(offset.segment()))) {
      Files.deleteIfExists(dir.resolve(OFFSET_FILE));
    }
    if (!sealed.isEmpty()) {
      log.info("spool recovered: dir={}, segments={}, records={}, bytes={}", dir, sealed.size(), records.get(), bytes.get());
    }
  }

  private static long sequenceOf(Path segment) {
    String name = segment.getFileName().toString();
    try {
      return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Appends one record; false (nothing written) when the spool is full, closed or the disk fails.
   * The caller counts a false as a dropped event.
   */
  public synchronized boolean append(byte[] key, byte[] value) {
    if (closed) {
      return false;
    }
    int payload = 2 + key.length + value.length;
    long recordBytes = RECORD_HEADER_BYTES + payload;
    if (key.length > 0xFFFF || payload > MAX_RECORD_BYTES) {
      return false;
    }
    boolean needsSegment = active == null || activeSize + recordBytes > segmentBytes && activeRecords > 0;
    long growth = recordBytes + (needsSegment ? MAGIC.length : 0);
    if (bytes.get() + growth > maxBytes) {
      return false;
    }
    try {
      if (needsSegment) {
        sealActive(false);
        openActive();
      }
      ByteBuffer buffer = ByteBuffer.allocate((int) recordBytes);
      buffer.putInt(payload).putInt(0).putShort((short) key.length).put(key).put(value);
      CRC32C crc = new CRC32C();
      crc.update(buffer.array(), RECORD_HEADER_BYTES, payload);
      buffer.putInt(4, (int) crc.getValue());
      buffer.flip();
      while (buffer.hasRemaining()) {
        active.write(buffer);
      }
      activeSize += recordBytes;
      activeRecords++;
      bytes.addAndGet(recordBytes);
      records.incrementAndGet();
      dirty = true;
      return true;
    } catch (IOException e) {
      log.warn("spool write failed: dir={}, error={}", dir, e.toString());
      abandonActive();
      return false;
    }
  }

  /**
   * After a failed write: keeps what the active segment holds (a partly written record at its end
   * fails its check on replay) and lets the next append start a new segment.
   */
  private void abandonActive() {
    FileChannel channel = active;
    active = null;
    dirty = false;
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // already failing; the segment is judged by its record checks
    }
    if (activeRecords > 0) {
      sealed.addLast(new Segment(activePath, activeRecords));
    }
    activePath = null;
  }

  private void openActive() throws IOException {
    activePath = dir.resolve(String.format("%020d%s", nextSequence++, SUFFIX));
    active = FileChannel.open(activePath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    active.write(ByteBuffer.wrap(MAGIC));
    activeSize = MAGIC.length;
    activeRecords = 0;
    bytes.addAndGet(MAGIC.length);
  }

  /**
   * Seals the active segment. With {@code force} (closing) it is forced and closed here; otherwise
   * its channel waits in {@link #unsynced} for the next {@link #syncIfDue}, so no fsync happens
   * under the lock.
   */
  private void sealActive(boolean force) throws IOException {
    if (active == null) {
      return;
    }
    FileChannel channel = active;
    active = null;
    if (force) {
      try {
        channel.force(false);
      } finally {
        channel.close();
      }
    } else if (dirty) {
      unsynced.add(channel);
    } else {
      channel.close();
    }
    dirty = false;
    if (activeRecords > 0) {
      sealed.addLast(new Segment(activePath, activeRecords));
    } else {
      Files.deleteIfExists(activePath);
      bytes.addAndGet(-activeSize);
    }
    activePath = null;
  }

  /** Seals the active segment when it holds records, making them visible to {@link #oldestSealed()}. */
  public synchronized void roll() {
    if (active == null || activeRecords == 0 || closed) {
      return;
    }
    try {
      sealActive(false);
    } catch (IOException e) {
      log.warn("spool roll failed: dir={}, error={}", dir, e.toString());
    }
  }

  /**
   * Forces the active segment and any sealed-but-unforced ones to disk when something changed and
   * the sync interval passed. The fsyncs run outside the spool's lock: an append (possibly on an
   * event loop, under overload) never waits for a disk flush.
   */
  public void syncIfDue() {
    long now = System.nanoTime();
    FileChannel current;
    List<FileChannel> sealedNow;
    synchronized (this) {
      if (closed || (!dirty && unsynced.isEmpty()) || now - lastSyncNanos < syncIntervalNanos) {
        return;
      }
      lastSyncNanos = now;
      current = dirty ? active : null;
      dirty = false;
      sealedNow = new ArrayList<>(unsynced);
      unsynced.clear();
    }
    for (FileChannel channel : sealedNow) {
      forceQuietly(channel);
      closeQuietly(channel);
    }
    if (current != null) {
      forceQuietly(current);
    }
  }

  private void forceQuietly(FileChannel channel) {
    try {
      channel.force(false);
    } catch (ClosedChannelException e) {
      // closed by close(), which forces what it closes
    } catch (IOException e) {
      log.warn("spool sync failed: dir={}, error={}", dir, e.toString());
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // the data was forced (or the failure logged) just before
    }
  }

  /** The oldest sealed segment, or null. */
  public synchronized Path oldestSealed() {
    Segment first = sealed.peekFirst();
    return first == null ? null : first.path;
  }

  /** True when the active segment holds records not yet sealed. */
  public synchronized boolean hasActiveRecords() {
    return active != null && activeRecords > 0;
  }

  /** Where replay of the sealed {@code segment} resumes (0 = from its first record). */
  public synchronized long replayPosition(Path segment) {
    try {
      Offset offset = readOffset();
      return offset != null && offset.segment().equals(segment.getFileName().toString()) ? offset.position() : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  /** Records that the first records of {@code segment}, up to {@code position}, were delivered. */
  public synchronized void acknowledge(Path segment, long position, int delivered) {
    Segment first = sealed.peekFirst();
    if (first == null || !first.path.equals(segment)) {
      return;
    }
    first.records -= delivered;
    records.addAndGet(-delivered);
    try {
      Path tmp = dir.resolve(OFFSET_FILE + ".tmp");
      Files.writeString(tmp, segment.getFileName() + " " + position + "\n", StandardCharsets.US_ASCII);
      try {
        Files.move(tmp, dir.resolve(OFFSET_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(OFFSET_FILE), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Only costs duplicates after a restart (replay resumes earlier); the job drops them by event id.
      log.warn("spool offset not saved: dir={}, error={}", dir, e.toString());
    }
  }

  /**
   * Deletes the oldest sealed {@code segment} once every readable record in it was delivered;
   * records it still counts (behind a corrupt record) leave the records gauge with it.
   */
  public synchronized void delete(Path segment) {
    Segment first = sealed.peekFirst();
    if (first == null || !first.path.equals(segment)) {
      return;
    }
    sealed.pollFirst();
    records.addAndGet(-first.records);
    try {
      long size = Files.size(segment);
      Files.delete(segment);
      bytes.addAndGet(-size);
      Files.deleteIfExists(dir.resolve(OFFSET_FILE));
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException e) {
      log.warn("spool segment not deleted: segment={}, error={}", segment, e.toString());
    }
  }

  /** A reader of the sealed {@code segment} from byte {@code position} (0 = its first record). */
  public Reader reader(Path segment, long position) throws IOException {
    boolean counted;
    synchronized (this) {
      counted = sealed.stream().anyMatch(s -> s.path.equals(segment) && s.corruptionCounted);
    }
    return new Reader(segment, position, counted ? new AtomicLong() : corrupt);
  }

  /** Bytes on disk (segments, headers included). */
  public long bytes() {
    return bytes.get();
  }

  /** Records spooled and not yet delivered. */
  public long records() {
    return Math.max(0, records.get());
  }

  /** Records found corrupt (and skipped) since this spool was opened. */
  public long corruptRecords() {
    return corrupt.get();
  }

  public long maxBytes() {
    return maxBytes;
  }

  public Path dir() {
    return dir;
  }

  /** Forces and closes the active segment (it is sealed for the next process) and releases the directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (FileChannel channel : unsynced) {
      forceQuietly(channel);
      closeQuietly(channel);
    }
    unsynced.clear();
    try {
      sealActive(true);
    } catch (IOException e) {
      log.warn("spool close failed: dir={}, error={}", dir, e.toString());
    }
    try {
      if (lock != null) {
        lock.release();
      }
      lockChannel.close();
    } catch (IOException e) {
      log.warn("spool lock not released: dir={}, error={}", dir, e.toString());
    }
  }

  private record Offset(String segment, long position) {}

  private static final class Segment {
    final Path path;
    long records;
    boolean corruptionCounted;

    Segment(Path path, long records) {
      this.path = path;
      this.records = records;
    }
  }

  private Offset readOffset() throws IOException {
    Path file = dir.resolve(OFFSET_FILE);
    if (!Files.exists(file)) {
      return null;
    }
    String[] parts = Files.readString(file, StandardCharsets.US_ASCII).strip().split(" ");
    if (parts.length != 2) {
      return null;
    }
    try {
      return new Offset(parts[0], Long.parseLong(parts[1]));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Reads one sealed segment in order. {@link #next()} returns null at the end or at the first
   * corrupt record (counted once); {@link #position()} is the byte offset after the last good record.
   *
   * <p>Not thread-safe: one reader per replay pass.
   */
  public static final class Reader implements AutoCloseable {
    private final Path segment;
    private final FileChannel channel;
    private final AtomicLong corrupt;
    private final long size;
    private long position;
    private boolean corruptSeen;
    private final ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER_BYTES);

    Reader(Path segment, long from, AtomicLong corrupt) throws IOException {
      this.segment = segment;
      this.channel = FileChannel.open(segment, StandardOpenOption.READ);
      this.corrupt = corrupt;
      this.size = channel.size();
      ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
      readFully(magic, 0);
      if (magic.hasRemaining() || !java.util.Arrays.equals(magic.array(), MAGIC)) {
        markCorrupt(0);
        this.position = size;
      } else {
        this.position = Math.max(from, MAGIC.length);
      }
    }

    /** The next good record, or null at the end of the segment or at a corrupt record. */
    public Entry next() throws IOException {
      if (corruptSeen || position >= size) {
        return null;
      }
      header.clear();
      readFully(header, position);
      if (header.hasRemaining()) {
        return torn();
      }
      int length = header.getInt(0);
      int crc = header.getInt(4);
      if (length < 2 || length > MAX_RECORD_BYTES || position + RECORD_HEADER_BYTES + length > size) {
        return torn();
      }
      ByteBuffer payload = ByteBuffer.allocate(length);
      readFully(payload, position + RECORD_HEADER_BYTES);
      CRC32C check = new CRC32C();
      check.update(payload.array(), 0, length);
      int keyLength = payload.getShort(0) & 0xFFFF;
      if ((int) check.getValue() != crc || 2 + keyLength > length) {
        return torn();
      }
      byte[] key = new byte[keyLength];
      byte[] value = new byte[length - 2 - keyLength];
      payload.position(2);
      payload.get(key).get(value);
      position += RECORD_HEADER_BYTES + length;
      return new Entry(key, value);
    }

    private Entry torn() {
      markCorrupt(position);
      return null;
    }

    private void markCorrupt(long at) {
      corruptSeen = true;
      corrupt.incrementAndGet();
      log.warn("spool record corrupt, rest of segment skipped: segment={}, position={}", segment.getFileName(), at);
    }

    private void readFully(ByteBuffer buffer, long at) throws IOException {
      long p = at;
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, p);
        if (n < 0) {
          return;
        }
        p += n;
      }
    }

    /** Byte offset just after the last good record read. */
    public long position() {
      return position;
    }

    /** True when a corrupt record ended this segment early. */
    public boolean corrupt() {
      return corruptSeen;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
