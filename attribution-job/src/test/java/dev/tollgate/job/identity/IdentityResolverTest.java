package dev.tollgate.job.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IdentityResolverTest {

  private final IdentityResolver resolver = new IdentityResolver(Directory.of(Map.of(
      "fp-1", new DirectoryEntry("acme", "search", "svc-account", "indexer", "cc-42"))));

  @Test
  void explicitHeadersWinOverTheDirectory() {
    Invocation row = TestEvents.row("e", "gpt-4o");
    row.keyFingerprint = "fp-1";
    row.team = "checkout";
    row.user = "alice";

    resolver.enrich(row);

    assertThat(row.team).isEqualTo("checkout");
    assertThat(row.user).isEqualTo("alice");
    assertThat(row.service).isEqualTo("indexer");
    assertThat(row.costCenter).isEqualTo("cc-42");
  }

  @Test
  void fallsBackToDefaultsWhenNeitherHeadersNorDirectorySay() {
    Invocation row = TestEvents.row("e", "gpt-4o");
    row.tenant = "";
    row.keyFingerprint = "unknown";

    resolver.enrich(row);

    assertThat(row.tenant).isEqualTo(IdentityResolver.DEFAULT_TENANT);
    assertThat(row.team).isEmpty();
    assertThat(row.user).isEmpty();
    assertThat(row.service).isEmpty();
    assertThat(row.costCenter).isEmpty();
  }

  @Test
  void anExplicitTenantWinsOverTheDirectorys() {
    Invocation row = TestEvents.row("e", "gpt-4o");
    row.keyFingerprint = "fp-1";
    row.tenant = "beta";

    resolver.enrich(row);

    assertThat(row.tenant).isEqualTo("beta");
    assertThat(row.team).isEqualTo("search");
  }

  @Test
  void theEdgesDefaultTenantCountsAsNotExplicit() {
    // The edge records its default tenant when a call sends no X-Tollgate-Tenant.
    Invocation row = TestEvents.row("e", "gpt-4o");
    row.keyFingerprint = "fp-1";
    row.tenant = IdentityResolver.DEFAULT_TENANT;

    resolver.enrich(row);

    assertThat(row.tenant).isEqualTo("acme");
  }
}
