package dev.tollgate.job.functions;

import dev.tollgate.job.TestEvents;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.workflow.EventIdKey;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class TmpProbeHarnessTest {
  @Test
  void probe() throws Exception {
    var h = new KeyedOneInputStreamOperatorTestHarness<String, Invocation, Invocation>(
        new KeyedProcessOperator<>(new DedupFunction(Duration.ofMillis(100))), EventIdKey.INSTANCE, Types.STRING);
    h.setStateTtlProcessingTime(0);
    h.open();
    System.out.println("backend=" + h.getOperator().getKeyedStateBackend().getClass());
    for (String k : new String[] {"a", "b", "c"}) h.processElement(new StreamRecord<>(TestEvents.row(k, "x")));
    System.out.println("entries=" + h.numKeyedStateEntries());
    h.setStateTtlProcessingTime(1000);
    for (String k : new String[] {"d", "e", "f", "g"}) {
      h.processElement(new StreamRecord<>(TestEvents.row(k, "x")));
      System.out.println("after " + k + " entries=" + h.numKeyedStateEntries());
    }
    var snap = h.snapshot(1, 1);
    System.out.println("snapshot ok");
    h.close();
  }
}
