package dev.tollgate.edge.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header copying across the proxy: drops the hop-by-hop headers of RFC 9110 section 7.6.1
 * (Connection and every header it names, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade,
 * Proxy-*) and, towards the upstream, {@code Host} and every {@code X-Tollgate-*} header.
 *
 * <p>Stateless and thread-safe.
 */
final class ForwardedHeaders {

  private static final AsciiString[] HOP_BY_HOP = {
      HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
      HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE};
  private static final String PROXY_PREFIX = "proxy-";
  private static final String TOLLGATE_PREFIX = "x-tollgate-";

  private ForwardedHeaders() {}

  /** The request headers to send upstream, with {@code Host} set to {@code upstreamHost}. */
  static HttpHeaders toUpstream(HttpHeaders client, String upstreamHost) {
    HttpHeaders out = copyEndToEnd(client, true);
    out.set(HttpHeaderNames.HOST, upstreamHost);
    return out;
  }

  /** The response headers to send to the client. */
  static HttpHeaders toClient(HttpHeaders upstream) {
    return copyEndToEnd(upstream, false);
  }

  // On every call, twice: names are compared as the decoder's CharSequences, case-insensitively,
  // without a String per name or value.
  private static HttpHeaders copyEndToEnd(HttpHeaders in, boolean towardsUpstream) {
    Set<String> listed = connectionListed(in);
    HttpHeaders out = new DefaultHttpHeaders(false); // values were validated when decoded
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> header = it.next();
      CharSequence name = header.getKey();
      if (isHopByHop(name) || startsWithIgnoreCase(name, PROXY_PREFIX)
          || (!listed.isEmpty() && listed.contains(name.toString().toLowerCase(Locale.ROOT)))) {
        continue;
      }
      if (towardsUpstream && (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)
          || startsWithIgnoreCase(name, TOLLGATE_PREFIX))) {
        continue;
      }
      out.add(name, header.getValue());
    }
    return out;
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
