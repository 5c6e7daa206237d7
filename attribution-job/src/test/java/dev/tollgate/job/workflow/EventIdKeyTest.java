package dev.tollgate.job.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.TestEvents;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class EventIdKeyTest {

  @Test
  void keysARecordByTheEventIdItHolds() throws Exception {
    assertThat(EventIdKey.INSTANCE.getKey(TestEvents.record("e-42", "gpt-4o"))).isEqualTo("~e-42");
  }

  @Test
  void keysAnEdgesIdsByThreadPrefixAndLaneAndNumbersThemWithinTheLane() {
    List<String> ids = EdgeIds.of(0x1234_5678_9abc_4defL, 0xff0L, 1_024);
    Map<String, List<Long>> lanes = new HashMap<>();
    for (String id : ids) {
      lanes.computeIfAbsent(EventIdKey.key(id), k -> new ArrayList<>()).add(EventIdKey.sequence(id));
    }

    assertThat(lanes).hasSize(EventIdKey.LANES);
    assertThat(lanes.keySet()).allSatisfy(key -> assertThat(key).hasSize(21).startsWith("12345678-9abc-4def-"));
    // Each lane sees every 256th id of the thread: four consecutive numbers.
    assertThat(lanes.values()).allSatisfy(sequences -> assertThat(sequences).hasSize(4)
        .satisfies(s -> assertThat(s.get(3) - s.get(0)).isEqualTo(3)));
    Set<Integer> subtasks = new HashSet<>();
    lanes.keySet().forEach(key -> subtasks.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(key, 128, 4)));
    assertThat(subtasks).as("one thread's ids reach every subtask").hasSize(4);
  }

  @Test
  void givesDifferentIdsDifferentKeysOrNumbers() {
    String edge = "12345678-9abc-4def-8000-0000000000ab";
    List<String> ids = List.of(edge,
        edge.toUpperCase(Locale.ROOT), // not the edge's form: keyed whole
        "12345678-9abc-4def-ab", // the lane key of the first, as an id
        "~12345678-9abc-4def-ab",
        "12345678-9abc-4def-8000-0000000001ab", // the next number in the same lane
        "12345678-9abc-4def-8000-0000000000ac"); // the next lane
    Set<String> identities = new HashSet<>();
    for (String id : ids) {
      identities.add(EventIdKey.key(id) + "/" + EventIdKey.sequence(id));
    }
    assertThat(identities).hasSize(ids.size());
    assertThat(EventIdKey.key(edge)).isEqualTo("12345678-9abc-4def-ab");
    assertThat(EventIdKey.sequence(edge)).isEqualTo(0x8000_0000_0000_00L);
    assertThat(EventIdKey.key(edge.toUpperCase(Locale.ROOT))).startsWith("~");
    assertThat(EventIdKey.sequence("e-42")).isZero();
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
