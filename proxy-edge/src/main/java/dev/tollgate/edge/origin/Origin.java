package dev.tollgate.edge.origin;

import java.net.URI;
import java.util.Locale;

/**
 * One upstream endpoint a connection goes to: host, port and whether it speaks TLS. The pool key.
 *
 * <p>Immutable.
 */
public record Origin(String host, int port, boolean tls) {

  /** The origin of an http(s) base URL. */
  public static Origin of(URI baseUrl) {
    boolean tls = baseUrl.getScheme().toLowerCase(Locale.ROOT).equals("https");
    int port = baseUrl.getPort() >= 0 ? baseUrl.getPort() : (tls ? 443 : 80);
    return new Origin(baseUrl.getHost(), port, tls);
  }

  /** The {@code Host} header value: the port only when it is not the scheme's default. */
  public String hostHeader() {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return port == (tls ? 443 : 80) ? h : h + ":" + port;
  }

  @Override
  public String toString() {
    return (tls ? "https://" : "http://") + hostHeader();
  }
}
