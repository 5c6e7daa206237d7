package dev.tollgate.job.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.job.row.Invocation;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class InvocationSerializerTest {

  private static final InvocationSerializer SERIALIZER = InvocationSerializer.INSTANCE;

  @Test
  void everyFieldSurvivesTheRoundTrip() throws Exception {
    Invocation row = filled(1);

    Invocation back = roundTrip(row);

    for (Field field : fields()) {
      assertThat(field.get(back)).as(field.getName()).isEqualTo(field.get(row));
    }
  }

  @Test
  void nullsEmptyArraysAndNonAsciiTextSurvive() throws Exception {
    Invocation row = new Invocation();
    row.requestModel = null;
    row.responseModel = null;
    row.ttftUs = null;
    row.costNanos = null;
    row.team = "équipe-搜索-\uD83D\uDE80";
    row.tagKeys = new String[0];
    row.finishReasons = null;

    Invocation back = roundTrip(row);

    assertThat(back.requestModel).isNull();
    assertThat(back.responseModel).isNull();
    assertThat(back.ttftUs).isNull();
    assertThat(back.costNanos).isNull();
    assertThat(back.team).isEqualTo("équipe-搜索-\uD83D\uDE80");
    assertThat(back.tagKeys).isEmpty();
    assertThat(back.finishReasons).isNull();
    assertThat(back.eventId).isEmpty();
  }

  @Test
  void rowsFollowEachOtherInOneStreamAndCopiesAreDeep() throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(256);
    SERIALIZER.serialize(filled(1), out);
    SERIALIZER.serialize(filled(2), out);
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());

    assertThat(SERIALIZER.deserialize(in).eventId).isEqualTo("eventId-1");
    assertThat(SERIALIZER.deserialize(in).eventId).isEqualTo("eventId-2");
    assertThat(in.available()).isZero();

    Invocation row = filled(3);
    Invocation copy = SERIALIZER.copy(row);
    copy.tagKeys[0] = "changed";
    assertThat(row.tagKeys[0]).isEqualTo("tagKeys-3-0");
    for (Field field : fields()) {
      assertThat(field.get(SERIALIZER.copy(row))).as(field.getName()).isEqualTo(field.get(row));
    }
  }

  @Test
  void repeatedDimensionsComeBackAsOneInstanceAndIdsAsTheirOwn() throws Exception {
    InvocationSerializer serializer = (InvocationSerializer) SERIALIZER.duplicate();
    DataOutputSerializer out = new DataOutputSerializer(256);
    for (int i = 0; i < 2; i++) {
      Invocation row = filled(1);
      row.eventId = "event-" + i;
      serializer.serialize(row, out);
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    Invocation first = serializer.deserialize(in);
    Invocation second = serializer.deserialize(in);

    assertThat(second.team).isEqualTo("team-1").isSameAs(first.team);
    assertThat(second.tagValues[1]).isSameAs(first.tagValues[1]);
    assertThat(second.responseId).isEqualTo(first.responseId).isNotSameAs(first.responseId);
    assertThat(List.of(first.eventId, second.eventId)).containsExactly("event-0", "event-1");
  }

  private static Invocation roundTrip(Invocation row) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(256);
    SERIALIZER.serialize(row, out);
    return SERIALIZER.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }

  /** Every field set to a value of its own (a field the serializer forgets comes back different). */
  private static Invocation filled(int seed) throws Exception {
    Invocation row = new Invocation();
    long n = seed * 1_000L;
    for (Field field : fields()) {
      n++;
      Class<?> type = field.getType();
      if (type == String.class) {
        field.set(row, field.getName() + "-" + seed);
      } else if (type == long.class || type == Long.class) {
        field.set(row, n);
      } else if (type == int.class) {
        field.set(row, (int) n);
      } else if (type == boolean.class) {
        field.set(row, !(boolean) field.get(row));
      } else if (type == String[].class) {
        field.set(row, new String[] {field.getName() + "-" + seed + "-0", field.getName() + "-" + seed + "-1"});
      } else {
        throw new AssertionError("field of a type this test does not fill: " + field);
      }
    }
    return row;
  }

  private static List<Field> fields() {
    return Arrays.stream(Invocation.class.getDeclaredFields())
        .filter(f -> !Modifier.isStatic(f.getModifiers()))
        .toList();
  }
}
