package dev.tollgate.edge.server;

import dev.tollgate.edge.config.EdgeConfig;
import dev.tollgate.edge.metrics.EdgeMetrics;
import dev.tollgate.edge.origin.Origin;
import dev.tollgate.edge.origin.OriginConnector;
import dev.tollgate.edge.provider.ProtocolAdapter;
import dev.tollgate.edge.publish.EventPublisher;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Everything an exchange needs that outlives it: configuration, routes, the origin connector,
 * the publisher and the metrics. One per server.
 *
 * <p>Thread-safe: immutable apart from the draining flag.
 */
final class EdgeContext {

  /** A configured provider with its protocol adapter and upstream origin. */
  record Route(EdgeConfig.Provider provider, ProtocolAdapter adapter, Origin origin, String basePath) {}

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
  private volatile boolean draining;

  EdgeContext(EdgeConfig config, OriginConnector connector, EventPublisher publisher, EdgeMetrics metrics) {
    this.config = config;
    this.connector = connector;
    this.publisher = publisher;
    this.metrics = metrics;
    this.fingerprinter = new KeyFingerprinter(config.keyFingerprintSecret());
    this.clockMicros = SYSTEM_CLOCK_MICROS;
    Map<String, Route> routes = new HashMap<>();
    config.providers().forEach((name, provider) -> {
      String path = provider.baseUrl().getRawPath();
      routes.put(name, new Route(provider, ProtocolAdapter.forProtocol(provider.protocol()),
          Origin.of(provider.baseUrl()), path == null ? "" : path));
    });
    this.routes = Map.copyOf(routes);
  }

  boolean draining() {
    return draining;
  }

  void startDraining() {
    draining = true;
  }
}
