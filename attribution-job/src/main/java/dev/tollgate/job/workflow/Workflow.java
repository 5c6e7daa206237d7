package dev.tollgate.job.workflow;

import dev.tollgate.job.functions.AttributeFunction;
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
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The attribution dataflow, independent of where records come from and go to: event records keyed
 * by their event id's dedup lane ({@link EventIdKey}) -> attribute (dedup, decode with bad records to the dead-letter output, identity from
 * the directory, price with the overrides; both tables broadcast on one stream). A record crosses
 * one exchange (the keyBy), as the bytes it arrived in; {@code AttributionJob} chains the
 * ClickHouse sink to the attribute operator. Tests pass their own sources and sinks;
 * {@code AttributionJob} passes Kafka and ClickHouse.
 *
 * <p>Used on the client thread while the job graph is built.
 */
public final class Workflow {

  /** Operator uids: keep them stable, savepoints map state to operators by uid. */
  public static final String UID_SOURCE = "invocations-source";
  public static final String UID_DIRECTORY_SOURCE = "directory-source";
  public static final String UID_PRICES_SOURCE = "prices-source";
  public static final String UID_TAG_DIRECTORY = "tag-directory";
  public static final String UID_TAG_PRICES = "tag-prices";
  /**
   * Dedup, decode, identity and pricing in one keyed broadcast operator (state: {@code seen-event-ids},
   * {@code directory}, {@code price-overrides}). It replaced the earlier graph's operators
   * {@code dedup}, {@code enrich} and {@code price}: a savepoint of that graph does not restore into
   * it (docs/operations.md, "Upgrades"). Decoding moved into it from the stateless {@code decode}
   * operator, whose absence a savepoint does not mind.
   */
  public static final String UID_ATTRIBUTE = "attribute";

  static final TypeInformation<Invocation> INVOCATION = InvocationSerializer.TYPE;

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
    DataStream<TableUpdate> tables = directoryUpdates
        .map(new TagTable(TableUpdate.DIRECTORY), TableUpdateDeserializer.TYPE)
        .uid(UID_TAG_DIRECTORY)
        .name("tag-directory")
        .union(priceUpdates
            .map(new TagTable(TableUpdate.PRICES), TableUpdateDeserializer.TYPE)
            .uid(UID_TAG_PRICES)
            .name("tag-prices"));
    SingleOutputStreamOperator<Invocation> priced = raw
        .keyBy(EventIdKey.INSTANCE, EventIdKey.TYPE)
        .connect(tables.broadcast(AttributeFunction.DIRECTORY, AttributeFunction.PRICE_OVERRIDES))
        .process(new AttributeFunction(options.dedupTtl(), options.priceCatalog(), options.edgeDefaultTenant()),
            INVOCATION)
        .uid(UID_ATTRIBUTE)
        .name("attribute");
    invocationSink.accept(priced);
    deadLetterSink.accept(priced.getSideOutput(AttributeFunction.DEAD_LETTERS));
  }
}
