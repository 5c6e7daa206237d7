package dev.tollgate.event.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentStringsTest {

  @Test
  void decodesEveryValueWhateverSharesItsSlot() {
    // Far more distinct values than slots, of every length around the cached limit, some not ASCII:
    // a slot shared by two values must never hand back the other one.
    Random random = new Random(11);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < 5 * RecentStrings.SLOTS; i++) {
      int length = random.nextInt(RecentStrings.MAX_BYTES + 20);
      StringBuilder text = new StringBuilder();
      while (text.length() < length) {
        text.append(random.nextInt(10) == 0 ? 'é' : (char) ('a' + random.nextInt(3)));
      }
      values.add(text.toString());
    }
    RecentStrings recent = new RecentStrings();
    byte[] buffer = new byte[4 * RecentStrings.MAX_BYTES];
    for (int i = 0; i < 50_000; i++) {
      String value = values.get(random.nextInt(values.size()));
      byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(utf8, 0, buffer, 0, utf8.length);
      buffer[utf8.length] = 'x'; // bytes past the length are not part of the value
      assertThat(recent.decode(buffer, utf8.length)).isEqualTo(value);
    }
  }

  @Test
  void handsBackTheSameInstanceForARecentValue() {
    RecentStrings recent = new RecentStrings();
    byte[] team = "search".getBytes(StandardCharsets.UTF_8);
    assertThat(recent.decode(team.clone(), team.length)).isSameAs(recent.decode(team.clone(), team.length));
  }
}
