package dev.tollgate.edge.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyFingerprinterTest {

  private final KeyFingerprinter fingerprinter = new KeyFingerprinter("Jefe".getBytes(StandardCharsets.UTF_8));

  @Test
  void computesHexHmacSha256() {
    // RFC 4231 test case 2.
    assertThat(fingerprinter.fingerprint("what do ya want for nothing?"))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }

  @Test
  void fingerprintsTheSameKeyAlikeWhicheverHeaderCarriesIt() {
    String bearer = fingerprinter.fingerprint(new DefaultHttpHeaders().add("Authorization", "Bearer sk-test-1"), null);
    String apiKey = fingerprinter.fingerprint(new DefaultHttpHeaders().add("x-api-key", "sk-test-1"), null);
    String azure = fingerprinter.fingerprint(new DefaultHttpHeaders().add("api-key", "sk-test-1"), null);
    String google = fingerprinter.fingerprint(new DefaultHttpHeaders().add("x-goog-api-key", "sk-test-1"), null);
    String query = fingerprinter.fingerprint(new DefaultHttpHeaders(), "alt=sse&key=sk-test-1");

    assertThat(bearer).isEqualTo(fingerprinter.fingerprint("sk-test-1")).doesNotContain("sk-test-1");
    assertThat(apiKey).isEqualTo(bearer);
    assertThat(azure).isEqualTo(bearer);
    assertThat(google).isEqualTo(bearer);
    assertThat(query).isEqualTo(bearer);
  }

  @Test
  void givesNoFingerprintWithoutACredential() {
    assertThat(fingerprinter.fingerprint(new DefaultHttpHeaders().add("Authorization", "Basic abc"), "alt=sse")).isNull();
  }

  @Test
  void aMalformedQueryYieldsNoFingerprintAndNoExceptionQuotingTheKey() {
    // Netty's decoder would throw with the whole query, key included, in its message.
    assertThat(fingerprinter.fingerprint(new DefaultHttpHeaders(), "key=AIzaSECRET123&alt=%zz")).isNull();
  }

  @Test
  void differsBetweenSecrets() {
    KeyFingerprinter other = new KeyFingerprinter("other".getBytes(StandardCharsets.UTF_8));

    assertThat(other.fingerprint("sk-test-1")).isNotEqualTo(fingerprinter.fingerprint("sk-test-1"));
  }

  @Test
  void fingerprintsABearerTokenAsItsCredentialWhateverTheSpacingOrCharacters() {
    String longToken = "sk-" + "x".repeat(KeyFingerprinter.MAX_INLINE_TOKEN);
    for (String authorization : new String[] {"Bearer sk-1", "  bearer\tsk-1 \r", "BEARER  sk-1", "Bearer sk-\u00fc\u00df",
        "Bearer " + longToken, "Bearer ", "Bearer", "Basic abc", "Bearer\u00a0sk-1", "Bearer sk-1 trailing words"}) {
      DefaultHttpHeaders headers = new DefaultHttpHeaders(false);
      headers.add("Authorization", authorization).add("x-api-key", "sk-fallback");
      String credential = KeyFingerprinter.credential(headers, null);

      assertThat(fingerprinter.fingerprint(headers, null)).as(authorization)
          .isEqualTo(credential == null ? null : fingerprinter.fingerprint(credential));
    }
  }
}
