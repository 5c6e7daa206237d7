package dev.tollgate.job.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class EventIdKeyTest {

  @Test
  void keysARecordByTheEventIdItHolds() throws Exception {
    assertThat(EventIdKey.INSTANCE.getKey(TestEvents.record("e-42", "gpt-4o"))).isEqualTo("e-42");
  }

  @Test
  void spreadsRecordsWithoutAReadableIdOverBlankKeysAndSubtasks() throws Exception {
    Set<String> keys = new HashSet<>();
    Set<Integer> subtasks = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      byte[] unreadable = ("not an event " + i).getBytes(StandardCharsets.UTF_8);
      String key = EventIdKey.INSTANCE.getKey(unreadable);
      assertThat(key).isBlank();
      assertThat(EventIdKey.INSTANCE.getKey(unreadable)).as("the same record, the same key").isEqualTo(key);
      keys.add(key);
      subtasks.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(key, 128, 4));
    }

    assertThat(keys).hasSize(EventIdKey.UNREADABLE_KEYS);
    assertThat(subtasks).as("of 4").hasSize(4);
    assertThat(EventIdKey.INSTANCE.getKey(null)).isBlank();
  }
}
