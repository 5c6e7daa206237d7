package dev.tollgate.edge.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header filtering across the proxy: drops the hop-by-hop headers of RFC 9110 section 7.6.1
 * (Connection and every header it names, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade,
 * Proxy-*) and, towards the upstream, {@code Host} and every {@code X-Tollgate-*} header.
 *
 * <p>The headers are changed in place, not copied: a decoded message's headers belong to the
 * exchange, and the rest of them (names, values, order) go on exactly as received, without a new
 * header map per message on every call. Whatever the exchange still needs from a removed header
 * must be read before.
 *
 * <p>Stateless and thread-safe (the headers passed in are the caller's, used on one thread).
 */
final class ForwardedHeaders {

  private static final AsciiString[] HOP_BY_HOP = {
      HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
      HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE};
  private static final String PROXY_PREFIX = "proxy-";
  private static final String TOLLGATE_PREFIX = "x-tollgate-";

  private ForwardedHeaders() {}

  /**
   * Removes from a client request's {@code headers} what must not go upstream and sets
   * {@code Host} to {@code upstreamHost} (as the last header); returns {@code headers}.
   */
  static HttpHeaders toUpstream(HttpHeaders headers, String upstreamHost) {
    removeNotForwarded(headers, true);
    headers.set(HttpHeaderNames.HOST, upstreamHost);
    return headers;
  }

  /** Removes from an upstream response's {@code headers} what must not go to the client; returns {@code headers}. */
  static HttpHeaders toClient(HttpHeaders headers) {
    removeNotForwarded(headers, false);
    return headers;
  }

  // On every call, twice: names are compared as the decoder's CharSequences, case-insensitively,
  // without a String per name or value; a removal drops every header of that name, as each one
  // would have been dropped by itself (every rule here is on the name, case-insensitively).
  private static void removeNotForwarded(HttpHeaders headers, boolean towardsUpstream) {
    Set<String> listed = connectionListed(headers);
    List<CharSequence> removed = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      if (isHopByHop(name) || startsWithIgnoreCase(name, PROXY_PREFIX)
          || (!listed.isEmpty() && listed.contains(name.toString().toLowerCase(Locale.ROOT)))
          || (towardsUpstream && (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)
              || startsWithIgnoreCase(name, TOLLGATE_PREFIX)))) {
        if (removed == null) {
          removed = new ArrayList<>(4);
        }
        removed.add(name); // not removed while iterating: Netty's header iterators are read-only
      }
    }
    if (removed != null) {
      for (CharSequence name : removed) {
        headers.remove(name);
      }
    }
  }
  private static boolean isHopByHop(CharSequence name) {
    for (AsciiString hop : HOP_BY_HOP) {
      if (hop.contentEqualsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWithIgnoreCase(CharSequence name, String lowerPrefix) {
    return name.length() >= lowerPrefix.length()
        && AsciiString.regionMatches(name, true, 0, lowerPrefix, 0, lowerPrefix.length());
  }

  /** The header names the Connection header lists (lower case); empty, and no allocation, without one. */
  private static Set<String> connectionListed(HttpHeaders headers) {
    if (!headers.contains(HttpHeaderNames.CONNECTION)) {
      return Set.of();
    }
    Set<String> listed = new HashSet<>();
    for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : value.split(",")) {
        String name = token.strip().toLowerCase(Locale.ROOT);
        if (!name.isEmpty()) {
          listed.add(name);
        }
      }
    }
    return listed;
  }
}
