package dev.tollgate.job.workflow;

import dev.tollgate.job.functions.DecodeFunction;
import dev.tollgate.job.functions.DedupFunction;
import dev.tollgate.job.functions.EnrichFunction;
import dev.tollgate.job.functions.PriceFunction;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The attribution dataflow, independent of where records come from and go to: decode (bad records
 * to the dead-letter output) -> key by event id -> dedup -> identity -> price. Tests pass their own
 * source and sinks; {@code AttributionJob} passes Kafka and ClickHouse.
 *
 * <p>Used on the client thread while the job graph is built.
 */
public final class Workflow {

  /** Operator uids: keep them stable, savepoints map state to operators by uid. */
  public static final String UID_SOURCE = "invocations-source";
  public static final String UID_DECODE = "decode";
  public static final String UID_DEDUP = "dedup";
  public static final String UID_ENRICH = "enrich";
  public static final String UID_PRICE = "price";

  static final TypeInformation<Invocation> INVOCATION = Types.POJO(Invocation.class);

  private Workflow() {}

  /** What the workflow needs to know beyond its inputs and outputs. */
  public record Options(Duration dedupTtl, String priceCatalog) {
    public Options {
      Objects.requireNonNull(dedupTtl, "dedupTtl");
      priceCatalog = priceCatalog == null ? "" : priceCatalog;
    }
  }

  /**
   * Adds the workflow to {@code env}, reading raw event bytes from {@code source} and handing the
   * priced invocations to {@code invocationSink} and undecodable records to {@code deadLetterSink}.
   */
  public static void define(
      StreamExecutionEnvironment env,
      Source<byte[], ?, ?> source,
      Options options,
      Consumer<DataStream<Invocation>> invocationSink,
      Consumer<DataStream<DeadLetter>> deadLetterSink) {
    DataStream<byte[]> raw = env
        .fromSource(source, WatermarkStrategy.noWatermarks(), "invocations", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
        .uid(UID_SOURCE);
    define(raw, options, invocationSink, deadLetterSink);
  }

  /** As above, from an existing stream of raw event bytes. */
  public static void define(
      DataStream<byte[]> raw,
      Options options,
      Consumer<DataStream<Invocation>> invocationSink,
      Consumer<DataStream<DeadLetter>> deadLetterSink) {
    SingleOutputStreamOperator<Invocation> decoded = raw
        .process(new DecodeFunction(), INVOCATION)
        .uid(UID_DECODE)
        .name("decode");
    deadLetterSink.accept(decoded.getSideOutput(DecodeFunction.DEAD_LETTERS));

    DataStream<Invocation> priced = decoded
        .keyBy(EventIdKey.INSTANCE, Types.STRING)
        .process(new DedupFunction(options.dedupTtl()), INVOCATION)
        .uid(UID_DEDUP)
        .name("dedup")
        // The seam for the directory: this becomes a connect() with the directory broadcast stream.
        .map(new EnrichFunction(), INVOCATION)
        .uid(UID_ENRICH)
        .name("enrich")
        .map(new PriceFunction(options.priceCatalog()), INVOCATION)
        .uid(UID_PRICE)
        .name("price");
    invocationSink.accept(priced);
  }
}
