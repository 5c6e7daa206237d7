package dev.tollgate.edge.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns the provider credential of a request into {@code hex(HMAC-SHA256(secret, credential))}
 * so spend can be attributed to a key without the key ever being stored.
 *
 * <p>Thread-safe: each thread gets its own {@link Mac} and buffers.
 */
final class KeyFingerprinter {

  /** Longest bearer token hashed straight from the header value; a longer one takes the general path. */
  static final int MAX_INLINE_TOKEN = 512;
  private static final int DIGEST_BYTES = 32;

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;
  /** Per thread: a token's bytes (zeroed after each use, so no copy of a key outlives its call) and the digest. */
  private final ThreadLocal<byte[][]> buffers =
      ThreadLocal.withInitial(() -> new byte[][] {new byte[MAX_INLINE_TOKEN], new byte[DIGEST_BYTES]});

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
    String bearer = bearerFingerprint(headers.get(HttpHeaderNames.AUTHORIZATION));
    if (bearer != null) {
      return bearer;
    }
    String credential = credential(headers, query);
    return credential == null ? null : fingerprint(credential);
  }

  /**
   * The common case without a copy of the key: an ASCII bearer token is hashed from the header
   * value in place (its UTF-8 bytes are its chars), exactly as {@link #credential} would cut it;
   * null when the value is anything else, which {@link #credential} then reads as before.
   */
  private String bearerFingerprint(String authorization) {
    if (authorization == null) {
      return null;
    }
    int start = 0;
    int end = authorization.length();
    while (start < end && Character.isWhitespace(authorization.charAt(start))) {
      start++; // as String.strip(): these header values are Latin-1, so a char is a code point
    }
    while (end > start && Character.isWhitespace(authorization.charAt(end - 1))) {
      end--;
    }
    if (end - start < 7 || !authorization.regionMatches(true, start, "Bearer ", 0, 7)) {
      return null;
    }
    int token = start + 7;
    while (token < end && Character.isWhitespace(authorization.charAt(token))) {
      token++;
    }
    int length = end - token;
    if (length == 0 || length > MAX_INLINE_TOKEN) {
      return null;
    }
    byte[][] buffer = buffers.get();
    byte[] bytes = buffer[0];
    try {
      for (int i = 0; i < length; i++) {
        char c = authorization.charAt(token + i);
        if (c >= 0x80) {
          return null; // not ASCII: its UTF-8 bytes are not its chars
        }
        bytes[i] = (byte) c;
      }
      Mac mac = macs.get();
      mac.update(bytes, 0, length);
      mac.doFinal(buffer[1], 0);
      return HexFormat.of().formatHex(buffer[1]);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 failed", e); // a 32-byte buffer always fits the digest
    } finally {
      Arrays.fill(bytes, 0, length, (byte) 0);
    }
  }

  static String credential(HttpHeaders headers, String query) {
    String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
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
