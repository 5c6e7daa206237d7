package dev.tollgate.edge.server;

import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.origin.Origin;
import dev.tollgate.edge.origin.OriginConnector;
import dev.tollgate.edge.provider.ProtocolAdapter;
import dev.tollgate.edge.provider.UsageEstimator;
import dev.tollgate.edge.publish.EventPublisher;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Everything an exchange needs that outlives it: configuration, routes, the origin connector,
 * the publisher, the usage estimation and the metrics. One per server.
 *
 * <p>Thread-safe: immutable apart from the draining flag.
 */
final class EdgeContext {

  /** A configured provider with its protocol adapter and upstream origin ({@code hostHeader}: its {@code Host}, built once). */
  record Route(EdgeConfig.Provider provider, ProtocolAdapter adapter, Origin origin, String basePath, String hostHeader) {}

  /** An Azure resource name: one DNS label, so a path can never steer the edge to another host. */
  private static final Pattern RESOURCE = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
  /** Resolved Azure routes kept; beyond this, routes are built per request (the pools still key by origin). */
  private static final int MAX_CACHED_RESOURCES = 1024;

  static final LongSupplier SYSTEM_CLOCK_MICROS = () -> {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  };

  final EdgeConfig config;
  final Map<String, Route> routes;
  final OriginConnector connector;
  final EventPublisher publisher;
  final EdgeMetrics metrics;
  final KeyFingerprinter fingerprinter;
  final LongSupplier clockMicros;
  final UsageEstimation estimation;
  private final Map<String, Route> resourceRoutes = new ConcurrentHashMap<>();
  private volatile boolean draining;

  EdgeContext(EdgeConfig config, OriginConnector connector, EventPublisher publisher, EdgeMetrics metrics) {
    this(config, connector, publisher, metrics, UsageEstimator.JTOKKIT);
  }

  EdgeContext(EdgeConfig config, OriginConnector connector, EventPublisher publisher, EdgeMetrics metrics,
              UsageEstimator.Tokenizer tokenizer) {
    this.config = config;
    this.connector = connector;
    this.publisher = publisher;
    this.metrics = metrics;
    this.fingerprinter = new KeyFingerprinter(config.keyFingerprintSecret());
    this.clockMicros = SYSTEM_CLOCK_MICROS;
    this.estimation = new UsageEstimation(config.estimationThreads(), config.estimationQueueCapacity(),
        config.estimationMaxHeldBytes(), tokenizer, publisher, metrics);
    Map<String, Route> routes = new HashMap<>();
    config.providers().forEach((name, provider) -> {
      routes.put(name, route(provider, provider.baseUrl()));
    });
    this.routes = Map.copyOf(routes);
  }

  private static Route route(EdgeConfig.Provider provider, URI baseUrl) {
    String path = baseUrl.getRawPath();
    Origin origin = Origin.of(baseUrl);
    return new Route(provider, ProtocolAdapter.forProtocol(provider.protocol()), origin, path == null ? "" : path,
        origin.hostHeader());
  }

  /**
   * The route of {@code resource} under a provider whose path names the resource (Azure), or null
   * when the name is not a DNS label.
   */
  Route resourceRoute(Route providerRoute, String resource) {
    String name = resource.toLowerCase(Locale.ROOT);
    if (!RESOURCE.matcher(name).matches()) {
      return null;
    }
    Route cached = resourceRoutes.get(name);
    if (cached != null) {
      return cached;
    }
    Route built = route(providerRoute.provider(), providerRoute.provider().baseUrlFor(name));
    if (resourceRoutes.size() < MAX_CACHED_RESOURCES) {
      resourceRoutes.putIfAbsent(name, built);
    }
    return built;
  }

  boolean draining() {
    return draining;
  }

  void startDraining() {
    draining = true;
  }
}
