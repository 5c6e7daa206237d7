package dev.tollgate.edge.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.HashSet;
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

  private static final Set<String> HOP_BY_HOP =
      Set.of("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade");

  private ForwardedHeaders() {}

  /** The request headers to send upstream, with {@code Host} set to {@code upstreamHost}. */
  static HttpHeaders toUpstream(HttpHeaders client, String upstreamHost) {
    HttpHeaders out = copyEndToEnd(client, true);
    out.set("host", upstreamHost);
    return out;
  }

  /** The response headers to send to the client. */
  static HttpHeaders toClient(HttpHeaders upstream) {
    return copyEndToEnd(upstream, false);
  }

  private static HttpHeaders copyEndToEnd(HttpHeaders in, boolean towardsUpstream) {
    Set<String> listed = connectionListed(in);
    HttpHeaders out = new DefaultHttpHeaders(false); // values were validated when decoded
    for (Map.Entry<String, String> header : in) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name) || name.startsWith("proxy-") || listed.contains(name)) {
        continue;
      }
      if (towardsUpstream && (name.equals("host") || name.startsWith("x-tollgate-"))) {
        continue;
      }
      out.add(header.getKey(), header.getValue());
    }
    return out;
  }

  private static Set<String> connectionListed(HttpHeaders headers) {
    Set<String> listed = new HashSet<>();
    for (String value : headers.getAll("connection")) {
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
