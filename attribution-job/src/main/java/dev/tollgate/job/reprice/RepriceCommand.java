package dev.tollgate.job.reprice;

import com.clickhouse.client.api.Client;
import dev.tollgate.clickhouse.ClickHouseClients;
import dev.tollgate.config.ConfigSource;
import dev.tollgate.job.config.AttributionConfig;
import dev.tollgate.job.pricing.PriceCatalog;
import dev.tollgate.job.pricing.Pricer;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Re-prices history after a price catalog change:
 * {@code RepriceCommand --config FILE --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z
 * [--catalog prices.yaml]}. The range is widened to whole UTC hours; the catalog defaults to the
 * job's ({@code job.price_catalog}, else the bundled one). Running it twice changes nothing.
 *
 * <p>Used on the main thread only.
 */
public final class RepriceCommand {

  private RepriceCommand() {}

  public static void main(String[] args) {
    String from = null;
    String to = null;
    String catalog = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (i + 1 >= args.length && !arg.startsWith("--config=")) {
        usage("missing value for " + arg);
      }
      switch (arg) {
        case "--from" -> from = args[++i];
        case "--to" -> to = args[++i];
        case "--catalog" -> catalog = args[++i];
        case "--config" -> i++;
        default -> {
          if (!arg.startsWith("--config=")) {
            usage("unknown option " + arg);
          }
        }
      }
    }
    if (from == null || to == null) {
      usage("--from and --to are required");
    }
    long fromSeconds = instant("--from", from);
    long toSeconds = instant("--to", to);
    if (toSeconds <= fromSeconds) {
      usage("--to: " + to + " (expected: after --from " + from + ")");
    }
    AttributionConfig config = AttributionConfig.from(ConfigSource.fromArgs(args));
    Pricer pricer = new Pricer(PriceCatalog.load(catalog != null ? catalog : config.priceCatalog()));
    try (Client client = ClickHouseClients.create(config.clickhouseUrl(), config.clickhouseUser(),
        config.clickhousePassword(), config.clickhouseDatabase())) {
      Repricer.Result result = new Repricer(client, config.clickhouseDatabase(), pricer, System::currentTimeMillis)
          .run(fromSeconds, toSeconds);
      System.out.println("repriced " + Instant.ofEpochSecond(result.fromHour()) + " .. "
          + Instant.ofEpochSecond(result.toHour()) + ": " + result.rowsExamined() + " rows examined, "
          + result.rowsChanged() + " changed, rollups rebuilt");
    } catch (RuntimeException e) {
      System.err.println("reprice failed: " + e.getMessage());
      System.exit(1);
    }
  }

  private static long instant(String option, String value) {
    try {
      return Instant.parse(value).getEpochSecond();
    } catch (DateTimeParseException e) {
      usage(option + ": " + value + " (expected: an ISO-8601 instant such as 2026-11-01T00:00:00Z)");
      return -1;
    }
  }

  private static void usage(String problem) {
    System.err.println("reprice: " + problem);
    System.err.println("usage: RepriceCommand --config FILE --from INSTANT --to INSTANT [--catalog prices.yaml]");
    System.exit(2);
  }
}
