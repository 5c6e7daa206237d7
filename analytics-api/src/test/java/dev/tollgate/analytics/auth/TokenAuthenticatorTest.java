package dev.tollgate.analytics.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.analytics.config.ApiToken;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {

  private final TokenAuthenticator authenticator = new TokenAuthenticator(List.of(
      new ApiToken("ops", TokenAuthenticator.sha256Hex("secret-1"), "acme", Set.of()),
      new ApiToken("search", TokenAuthenticator.sha256Hex("secret-2").toUpperCase(), "acme", Set.of("search"))));

  @Test
  void hashesTokensWithSha256Hex() {
    // printf %s abc | sha256sum
    assertThat(TokenAuthenticator.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void acceptsAKnownBearerTokenAndReturnsItsScope() {
    assertThat(authenticator.authenticate("Bearer secret-1")).contains(new Principal("ops", "acme", Set.of()));
    assertThat(authenticator.authenticate("bearer secret-2").orElseThrow().teams()).containsExactly("search");
  }

  @Test
  void refusesMissingMalformedAndUnknownTokens() {
    assertThat(authenticator.authenticate(null)).isEmpty();
    assertThat(authenticator.authenticate("")).isEmpty();
    assertThat(authenticator.authenticate("Bearer ")).isEmpty();
    assertThat(authenticator.authenticate("Basic c2VjcmV0LTE=")).isEmpty();
    assertThat(authenticator.authenticate("secret-1")).isEmpty();
    assertThat(authenticator.authenticate("Bearer secret-3")).isEmpty();
    assertThat(authenticator.authenticate("Bearer " + TokenAuthenticator.sha256Hex("secret-1"))).as("the hash is not the token").isEmpty();
  }
}
