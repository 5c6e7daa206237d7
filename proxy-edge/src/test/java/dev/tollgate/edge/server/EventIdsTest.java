package dev.tollgate.edge.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventIdsTest {

  @Test
  void makesCanonicalVersion4UuidsWithTheIetfVariant() {
    for (int i = 0; i < 1_000; i++) {
      String id = EventIds.next();
      UUID uuid = UUID.fromString(id);
      assertThat(uuid.toString()).isEqualTo(id);
      assertThat(uuid.version()).isEqualTo(4);
      assertThat(uuid.variant()).isEqualTo(2);
    }
  }

  @Test
  void givesEachThreadItsOwnRandomPrefix() throws Exception {
    String[] other = new String[1];
    Thread thread = new Thread(() -> other[0] = EventIds.next());
    thread.start();
    thread.join();
    String mine = EventIds.next();
    assertThat(UUID.fromString(other[0]).getMostSignificantBits()).isNotEqualTo(UUID.fromString(mine).getMostSignificantBits());
    assertThat(UUID.fromString(EventIds.next()).getMostSignificantBits())
        .as("one thread keeps its prefix").isEqualTo(UUID.fromString(mine).getMostSignificantBits());
  }

  @Test
  void neverRepeatsAnIdInAHundredThousand() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      assertThat(seen.add(EventIds.next())).isTrue();
    }
  }
}
