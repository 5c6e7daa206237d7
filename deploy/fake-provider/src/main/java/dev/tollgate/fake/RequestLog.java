package dev.tollgate.fake;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The most recent requests, bounded so a long benchmark run does not fill the heap.
 *
 * <p>Thread-safe: event loops add while tests read.
 */
final class RequestLog {

  private final int limit;
  private final ArrayDeque<RecordedRequest> requests = new ArrayDeque<>();

  RequestLog(int limit) {
    this.limit = limit;
  }

  /** Whether requests are kept at all: a fake run for load keeps none and builds no records. */
  boolean enabled() {
    return limit > 0;
  }

  synchronized void add(RecordedRequest request) {
    if (limit == 0) {
      return;
    }
    if (requests.size() == limit) {
      requests.removeFirst();
    }
    requests.addLast(request);
  }

  synchronized List<RecordedRequest> snapshot() {
    return List.copyOf(requests);
  }

  synchronized void clear() {
    requests.clear();
  }
}
