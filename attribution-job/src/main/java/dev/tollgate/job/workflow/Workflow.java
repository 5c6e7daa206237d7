package dev.tollgate.job.workflow;

import dev.tollgate.job.functions.DecodeFunction;
import dev.tollgate.job.functions.DedupFunction;
import dev.tollgate.job.functions.EnrichFunction;
import dev.tollgate.job.functions.PriceFunction;
import dev.tollgate.job.row.DeadLetter;
import dev.tollgate.job.row.Invocation;
import dev.tollgate.job.row.TableUpdate;
import dev.tollgate.job.identity.IdentityResolver;
import dev.tollgate.job.kafka.TableUpdateDeserializer;
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
 * to the dead-letter output) -> key by event id -> dedup -> identity (with the directory broadcast)
 * -> price (with the price-override broadcast). Tests pass their own sources and sinks;
 * {@code AttributionJob} passes Kafka and ClickHouse.
 *
 * <p>Used on the client thread while the job graph is built.
 */
public final class Workflow {

  /** Operator uids: keep them stable, savepoints map state to operators by uid. */
  public static final String UID_SOURCE = "invocations-source";
  public static final String UID_DIRECTORY_SOURCE = "directory-source";
  public static final String UID_PRICES_SOURCE = "prices-source";
  public static final String UID_DECODE = "decode";
  public static final String UID_DEDUP = "dedup";
  public static final String UID_ENRICH = "enrich";
  public static final String UID_PRICE = "price";

  static final TypeInformation<Invocation> INVOCATION = Types.POJO(Invocation.class);

  private Workflow() {}

  /** What the workflow needs to know beyond its inputs and outputs. */
  public record Options(Duration dedupTtl, String priceCatalog, String edgeDefaultTenant) {
    public Options {
      Objects.requireNonNull(dedupTtl, "dedupTtl");
      priceCatalog = priceCatalog == null ? "" : priceCatalog;
      edgeDefaultTenant = edgeDefaultTenant == null ? IdentityResolver.DEFAULT_TENANT : edgeDefaultTenant;
    }

    /** With the edge's default tenant left at its default. */
    public Options(Duration dedupTtl, String priceCatalog) {
      this(dedupTtl, priceCatalog, IdentityResolver.DEFAULT_TENANT);
    }
  }

  /** Where the workflow reads from: invocation event bytes, directory and price-override updates. */
  public record Sources(
      Source<byte[], ?, ?> invocations,
      Source<TableUpdate, ?, ?> directory,
      Source<TableUpdate, ?, ?> prices) {
    public Sources {
      Objects.requireNonNull(invocations, "invocations");
      Objects.requireNonNull(directory, "directory");
      Objects.requireNonNull(prices, "prices");
    }
  }

  /**
   * Adds the workflow to {@code env}, reading raw event bytes and table updates from
   * {@code sources} and handing the priced invocations to {@code invocationSink} and undecodable
   * records to {@code deadLetterSink}.
   */
  public static void define(
      StreamExecutionEnvironment env,
      Sources sources,
      Options options,
      Consumer<DataStream<Invocation>> invocationSink,
      Consumer<DataStream<DeadLetter>> deadLetterSink) {
    DataStream<byte[]> raw = env
        .fromSource(sources.invocations(), WatermarkStrategy.noWatermarks(), "invocations",
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
        .uid(UID_SOURCE);
    DataStream<TableUpdate> directory = env
        .fromSource(sources.directory(), WatermarkStrategy.noWatermarks(), "directory", TableUpdateDeserializer.TYPE)
        .uid(UID_DIRECTORY_SOURCE);
    DataStream<TableUpdate> prices = env
        .fromSource(sources.prices(), WatermarkStrategy.noWatermarks(), "prices", TableUpdateDeserializer.TYPE)
        .uid(UID_PRICES_SOURCE);
    define(raw, directory, prices, options, invocationSink, deadLetterSink);
  }

  /** As above, from existing streams. */
  public static void define(
      DataStream<byte[]> raw,
      DataStream<TableUpdate> directoryUpdates,
      DataStream<TableUpdate> priceUpdates,
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
        .connect(directoryUpdates.broadcast(EnrichFunction.DIRECTORY))
        .process(new EnrichFunction(options.edgeDefaultTenant()), INVOCATION)
        .uid(UID_ENRICH)
        .name("enrich")
        .connect(priceUpdates.broadcast(PriceFunction.PRICE_OVERRIDES))
        .process(new PriceFunction(options.priceCatalog()), INVOCATION)
        .uid(UID_PRICE)
        .name("price");
    invocationSink.accept(priced);
  }
}
