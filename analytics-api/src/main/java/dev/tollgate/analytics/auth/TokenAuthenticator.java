package dev.tollgate.analytics.auth;

import dev.tollgate.analytics.config.ApiToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns an {@code Authorization: Bearer <token>} header into a {@link Principal} by the SHA-256 of
 * the token; the configuration holds only hashes, so a leaked config leaks no token.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenAuthenticator {

  private static final String BEARER = "bearer ";

  private final Map<String, Principal> byHash = new HashMap<>();

  public TokenAuthenticator(List<ApiToken> tokens) {
    for (ApiToken token : tokens) {
      byHash.put(token.sha256().toLowerCase(Locale.ROOT), new Principal(token.name(), token.tenant(), token.teams()));
    }
  }

  /** The principal of a valid bearer token; empty when the header is missing, malformed or the token unknown. */
  public Optional<Principal> authenticate(String authorizationHeader) {
    if (authorizationHeader == null || authorizationHeader.length() <= BEARER.length()
        || !authorizationHeader.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Optional.empty();
    }
    String token = authorizationHeader.substring(BEARER.length()).trim();
    if (token.isEmpty()) {
      return Optional.empty();
    }
    // A map lookup by hash: timing reveals at most something about a hash, never the token.
    return Optional.ofNullable(byHash.get(sha256Hex(token)));
  }

  /** Lower-case hex SHA-256 of the token's UTF-8 bytes: what the configuration stores. */
  public static String sha256Hex(String token) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
