package dev.tollgate.job.identity;

import java.util.Map;
import java.util.Optional;

/**
 * Looks up a provider key's owner by key fingerprint. The job backs it with the broadcast state
 * fed by the directory topic ({@code kafka.topics.directory}); tests use {@link #of}.
 *
 * <p>Implementations must be safe to call from the operator thread that owns them.
 */
@FunctionalInterface
public interface Directory {

  /** A directory that knows no key. */
  Directory EMPTY = fingerprint -> Optional.empty();

  /** The entry for {@code keyFingerprint}, if the directory has one. */
  Optional<DirectoryEntry> lookup(String keyFingerprint);

  /** A directory over a fixed map (tests, files). */
  static Directory of(Map<String, DirectoryEntry> entries) {
    Map<String, DirectoryEntry> copy = Map.copyOf(entries);
    return fingerprint -> Optional.ofNullable(copy.get(fingerprint));
  }
}
