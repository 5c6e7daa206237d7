package dev.tollgate.edge.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns the provider credential of a request into {@code hex(HMAC-SHA256(secret, credential))}
 * so spend can be attributed to a key without the key ever being stored.
 *
 * <p>Thread-safe: each thread gets its own {@link Mac}.
 */
final class KeyFingerprinter {

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;

  KeyFingerprinter(byte[] secret) {
    this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /** The fingerprint of {@code credential}. */
  String fingerprint(String credential) {
    Mac mac = macs.get();
    return HexFormat.of().formatHex(mac.doFinal(credential.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The fingerprint of the request's credential: a bearer token, else {@code x-api-key},
   * {@code api-key}, {@code x-goog-api-key}, else the {@code key} query parameter; null when none.
   */
  String fingerprint(HttpHeaders headers, String query) {
    String credential = credential(headers, query);
    return credential == null ? null : fingerprint(credential);
  }

  static String credential(HttpHeaders headers, String query) {
    String authorization = headers.get("authorization");
    if (authorization != null) {
      String value = authorization.strip();
      if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
        String token = value.substring(7).strip();
        if (!token.isEmpty()) {
          return token;
        }
      }
    }
    for (String name : List.of("x-api-key", "api-key", "x-goog-api-key")) {
      String value = headers.get(name);
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    if (query != null && !query.isEmpty()) {
      try {
        List<String> keys = new QueryStringDecoder("?" + query).parameters().get("key");
        if (keys != null && !keys.isEmpty() && !keys.get(0).isBlank()) {
          return keys.get(0);
        }
      } catch (IllegalArgumentException e) {
        // A malformed escape anywhere in the query: Netty's message quotes the whole query, key
        // included, so it must never travel further. The call is recorded without a fingerprint.
        return null;
      }
    }
    return null;
  }
}
