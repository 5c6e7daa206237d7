package dev.tollgate.edge.config;

import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The proxy edge's typed configuration: every key the edge reads, with its default, in one place.
 *
 * <p>Immutable and thread-safe.
 */
public final class EdgeConfig {

  /** Wire protocols an upstream can speak. */
  public static final Set<String> PROTOCOLS = Set.of("openai", "anthropic", "gemini");

  /** Built-in providers and their public base URLs; each speaks the protocol of its own name, except Azure (openai). */
  static final Map<String, String> BUILT_IN_PROVIDERS = Map.of(
      "openai", "https://api.openai.com",
      "anthropic", "https://api.anthropic.com",
      "gemini", "https://generativelanguage.googleapis.com",
      "azure", "https://{resource}.openai.azure.com");

  /** The provider whose first path segment after the prefix names the Azure resource. */
  public static final String AZURE = "azure";

  /** Where a resource name goes in the Azure base URL template. */
  public static final String RESOURCE_PLACEHOLDER = "{resource}";

  private static final Pattern PROVIDER_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  /**
   * One upstream reachable under {@code /{name}/...}. For Azure ({@code resourceInPath}), requests
   * are {@code /azure/{resource}/...} and {@code baseUrlTemplate} may contain {@value
   * #RESOURCE_PLACEHOLDER}; {@code baseUrl} is then the template with an example resource, for
   * display. For every other provider the template is the base URL.
   */
  public record Provider(String name, URI baseUrl, String protocol, String baseUrlTemplate, boolean resourceInPath) {
    public Provider {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(protocol, "protocol");
      Objects.requireNonNull(baseUrlTemplate, "baseUrlTemplate");
    }

    public Provider(String name, URI baseUrl, String protocol) {
      this(name, baseUrl, protocol, baseUrl.toString(), false);
    }

    /** The base URL for an Azure resource (a validated DNS label). */
    public URI baseUrlFor(String resource) {
      return URI.create(baseUrlTemplate.replace(RESOURCE_PLACEHOLDER, resource));
    }
  }

  private final String host;
  private final int port;
  private final int adminPort;
  private final String defaultTenant;
  private final byte[] keyFingerprintSecret;
  private final boolean keyFingerprintSecretGenerated;
  private final long maxBodyBytes;
  private final int maxHeaderBytes;
  private final Duration clientHeaderTimeout;
  private final Duration clientBodyTimeout;
  private final Duration clientIdleTimeout;
  private final Duration upstreamConnectTimeout;
  private final Duration upstreamReadTimeout;
  private final Duration upstreamIdleTimeout;
  private final int upstreamMaxIdlePerHost;
  private final int ioThreads;
  private final Duration shutdownGracePeriod;
  private final int publishQueueCapacity;
  private final boolean injectStreamUsage;
  private final int estimationThreads;
  private final int estimationQueueCapacity;
  private final long estimationMaxHeldBytes;
  private final Path spoolDir;
  private final long spoolMaxBytes;
  private final Duration spoolFsyncInterval;
  private final int spoolReplayRate;
  private final String instanceId;
  private final Map<String, Provider> providers;
  private final String kafkaBootstrapServers;
  private final String invocationsTopic;

  private EdgeConfig(ConfigReader r) {
    host = r.string("edge.host", "127.0.0.1");
    // 0 binds a free port: what in-process tests use.
    port = r.integer("edge.port", 8080, 0, 65535);
    adminPort = r.integer("edge.admin_port", 8090, 0, 65535);
    defaultTenant = r.string("edge.default_tenant", "default");
    if (defaultTenant.isBlank()) {
      r.problem("edge.default_tenant", "blank (expected: a tenant name)");
    }
    String secret = r.string("edge.key_fingerprint_secret", null);
    String secretFile = r.string("edge.key_fingerprint_secret_file", null);
    byte[] secretBytes = null;
    if (secret != null && !secret.isBlank()) {
      secretBytes = secret.getBytes(StandardCharsets.UTF_8);
    } else if (secretFile != null && !secretFile.isBlank()) {
      secretBytes = readSecretFile(r, secretFile);
    }
    keyFingerprintSecretGenerated = secretBytes == null;
    if (secretBytes == null) {
      secretBytes = new byte[32];
      new SecureRandom().nextBytes(secretBytes);
    }
    keyFingerprintSecret = secretBytes;
    maxBodyBytes = r.longValue("edge.max_body_bytes", 32L * 1024 * 1024, 1, Long.MAX_VALUE);
    maxHeaderBytes = r.integer("edge.max_header_bytes", 64 * 1024, 1024, 16 * 1024 * 1024);
    // Slow-client protection: a connection that does not deliver a request's headers, or its body,
    // in time is closed, so idle or trickling sockets cannot pin the edge's resources.
    clientHeaderTimeout = r.duration("edge.client_header_timeout", Duration.ofSeconds(10));
    clientBodyTimeout = r.duration("edge.client_body_timeout", Duration.ofSeconds(60));
    clientIdleTimeout = r.duration("edge.client_idle_timeout", Duration.ofSeconds(75));
    upstreamConnectTimeout = r.duration("edge.upstream_connect_timeout", Duration.ofSeconds(10));
    // Reasoning models can think for minutes before the first byte of a non-stream response.
    upstreamReadTimeout = r.duration("edge.upstream_read_timeout", Duration.ofSeconds(300));
    upstreamIdleTimeout = r.duration("edge.upstream_idle_timeout", Duration.ofSeconds(30));
    // Per event loop and origin. After a stall (a GC pause, a busy core) hundreds of calls run at
    // once; a pool smaller than that closes their connections afterwards and the next burst
    // reconnects (at 64, 18% of calls opened a connection at 5k req/s on two busy cores; TLS to a
    // real provider makes each one dearer). Idle ones close after upstream_idle_timeout anyway.
    upstreamMaxIdlePerHost = r.integer("edge.upstream_max_idle_per_host", 256, 0, 100_000);
    // One event loop per core, as nginx's worker_processes auto: more loops than cores only adds
    // context switches to a proxy whose work is all on its loops.
    int threads = r.integer("edge.io_threads", 0, 0, 1024);
    ioThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    shutdownGracePeriod = r.duration("edge.shutdown_grace_period", Duration.ofSeconds(20));
    publishQueueCapacity = r.integer("edge.publish_queue_capacity", 10_000, 1, 10_000_000);
    instanceId = r.string("edge.instance_id", defaultInstanceId());
    injectStreamUsage = r.bool("edge.inject_stream_usage", true);
    // Estimates of calls without reported usage run on their own small pool, never on an event
    // loop; what does not fit the queue or the held-text bound is recorded as unknown usage.
    estimationThreads = r.integer("edge.estimation.threads", 1, 1, 64);
    estimationQueueCapacity = r.integer("edge.estimation.queue_capacity", 1024, 1, 1_000_000);
    estimationMaxHeldBytes = r.longValue("edge.estimation.max_held_bytes", 8L * 1024 * 1024, 0, Long.MAX_VALUE);
    spoolDir = Path.of(r.string("edge.spool.dir", r.dataDir().resolve("edge-spool").toString()));
    // 0 turns the spool off: events Kafka cannot take are then dropped (and counted).
    spoolMaxBytes = r.longValue("edge.spool.max_bytes", 1L << 30, 0, Long.MAX_VALUE);
    if (spoolMaxBytes > 0 && spoolMaxBytes < 64 * 1024) {
      r.problem("edge.spool.max_bytes", spoolMaxBytes + " (expected: 0 to disable, or >= 65536)");
    }
    spoolFsyncInterval = r.duration("edge.spool.fsync_interval", Duration.ofSeconds(1));
    // Replay after an outage is paced so it does not take the cores live calls need; at the
    // default a 5k req/s edge drains a one-minute outage in 30 s. 0: as fast as Kafka takes it.
    spoolReplayRate = r.integer("edge.spool.replay_rate", 10_000, 0, 10_000_000);
    providers = readProviders(r);
    kafkaBootstrapServers = r.string("kafka.bootstrap_servers", "127.0.0.1:9092");
    invocationsTopic = r.string("kafka.topics.invocations", "tollgate.invocations");
    r.rejectUnknownKeys("edge", "providers");
    r.validate();
  }

  /** Reads and validates the edge's keys; throws {@link dev.tollgate.config.ConfigException} listing every problem. */
  public static EdgeConfig from(ConfigSource source) {
    return new EdgeConfig(new ConfigReader(source));
  }

  private static Map<String, Provider> readProviders(ConfigReader r) {
    Set<String> names = new LinkedHashSet<>(BUILT_IN_PROVIDERS.keySet().stream().sorted().toList());
    names.addAll(r.childNames("providers", "base_url"));
    Map<String, Provider> out = new LinkedHashMap<>();
    for (String name : names) {
      String prefix = "providers." + name + ".";
      if (!PROVIDER_NAME.matcher(name).matches()) {
        r.problem("providers." + name, "bad provider name (expected: lower-case letters, digits, _ or -)");
        continue;
      }
      String defaultUrl = BUILT_IN_PROVIDERS.get(name);
      if (name.equals(AZURE)) {
        Provider azure = readAzure(r, prefix, defaultUrl);
        if (azure != null) {
          out.put(name, azure);
        }
        continue;
      }
      URI baseUrl = r.httpUrl(prefix + "base_url", defaultUrl);
      // Extra providers are usually OpenAI-compatible servers (vLLM, OpenRouter, gateways).
      String protocol = r.oneOf(prefix + "protocol", defaultUrl != null ? name : "openai", PROTOCOLS);
      if (baseUrl != null) {
        out.put(name, new Provider(name, baseUrl, protocol));
      }
    }
    return Map.copyOf(out);
  }

  /** Azure OpenAI: a base URL template where {@value #RESOURCE_PLACEHOLDER} is the resource named in the path. */
  private static Provider readAzure(ConfigReader r, String prefix, String defaultUrl) {
    String template = r.string(prefix + "base_url", defaultUrl).trim();
    while (template.endsWith("/")) {
      template = template.substring(0, template.length() - 1);
    }
    String protocol = r.oneOf(prefix + "protocol", "openai", PROTOCOLS);
    try {
      URI example = new URI(template.replace(RESOURCE_PLACEHOLDER, "resource"));
      String scheme = example.getScheme();
      if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || example.getHost() == null) {
        r.problem(prefix + "base_url", template + " (expected: an http:// or https:// URL, optionally with "
            + RESOURCE_PLACEHOLDER + " in the host)");
        return null;
      }
      return new Provider(AZURE, example, protocol, template, true);
    } catch (URISyntaxException e) {
      r.problem(prefix + "base_url", template + " (expected: a URL; " + e.getReason() + ")");
      return null;
    }
  }

  private static byte[] readSecretFile(ConfigReader r, String file) {
    try {
      String text = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        r.problem("edge.key_fingerprint_secret_file", file + " is empty (expected: a secret)");
        return null;
      }
      return text.getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      r.problem("edge.key_fingerprint_secret_file", file + " cannot be read (" + e.getClass().getSimpleName() + ")");
      return null;
    }
  }

  private static String defaultInstanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "unknown";
    }
    return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
  }

  public String host() {
    return host;
  }

  /** Client listener port; 0 binds a free port. */
  public int port() {
    return port;
  }

  /** Admin listener port (health, metrics); 0 binds a free port. */
  public int adminPort() {
    return adminPort;
  }

  public String defaultTenant() {
    return defaultTenant;
  }

  /** The HMAC secret for key fingerprints (a copy). */
  public byte[] keyFingerprintSecret() {
    return keyFingerprintSecret.clone();
  }

  /** True when no secret was configured and a random one was generated for this process. */
  public boolean keyFingerprintSecretGenerated() {
    return keyFingerprintSecretGenerated;
  }

  public long maxBodyBytes() {
    return maxBodyBytes;
  }

  /** Largest request line plus headers; larger ones are answered 431. */
  public int maxHeaderBytes() {
    return maxHeaderBytes;
  }

  /**
   * Longest time from the start of a request (or of an idle kept-alive connection) until its
   * headers are complete; then the connection is closed.
   */
  public Duration clientHeaderTimeout() {
    return clientHeaderTimeout;
  }

  /** Longest time for the whole request body to arrive once the headers are in; then 408 and close. */
  public Duration clientBodyTimeout() {
    return clientBodyTimeout;
  }

  /** Longest time a kept-alive client connection may sit idle between requests. */
  public Duration clientIdleTimeout() {
    return clientIdleTimeout;
  }

  public Duration upstreamConnectTimeout() {
    return upstreamConnectTimeout;
  }

  /** Longest wait for the next upstream byte once the request has been sent. */
  public Duration upstreamReadTimeout() {
    return upstreamReadTimeout;
  }

  /** How long a pooled upstream connection may sit unused before it is closed. */
  public Duration upstreamIdleTimeout() {
    return upstreamIdleTimeout;
  }

  public int upstreamMaxIdlePerHost() {
    return upstreamMaxIdlePerHost;
  }

  /** Event loops serving client and upstream connections (0 in the file: one per core). */
  public int ioThreads() {
    return ioThreads;
  }

  public Duration shutdownGracePeriod() {
    return shutdownGracePeriod;
  }

  public int publishQueueCapacity() {
    return publishQueueCapacity;
  }

  /**
   * True when OpenAI-protocol chat streams get {@code stream_options.include_usage} added upstream
   * (and the usage-only chunk removed before the client) so their usage is exact.
   */
  public boolean injectStreamUsage() {
    return injectStreamUsage;
  }

  /** Threads counting estimates (each loads the tokenizer tables only when first needed). */
  public int estimationThreads() {
    return estimationThreads;
  }

  /** Estimates waiting for a thread; beyond this a call's usage is recorded as unknown. */
  public int estimationQueueCapacity() {
    return estimationQueueCapacity;
  }

  /**
   * Bound on the prompt and output text held, across in-flight calls, for estimates that may be
   * needed; a call whose text does not fit is recorded as unknown usage if it reports none.
   */
  public long estimationMaxHeldBytes() {
    return estimationMaxHeldBytes;
  }

  /** Spooled events replayed per second once Kafka is back (0: unpaced). */
  public int spoolReplayRate() {
    return spoolReplayRate;
  }

  /** Directory of the disk spool (one per edge instance). */
  public Path spoolDir() {
    return spoolDir;
  }

  /** Bound of the disk spool in bytes; 0 when the spool is off. */
  public long spoolMaxBytes() {
    return spoolMaxBytes;
  }

  /** Longest time spooled events stay only in the page cache (lost on a machine crash, not a process crash). */
  public Duration spoolFsyncInterval() {
    return spoolFsyncInterval;
  }

  public String instanceId() {
    return instanceId;
  }

  /** Providers by name (the first path segment of a proxied request). */
  public Map<String, Provider> providers() {
    return providers;
  }

  public String kafkaBootstrapServers() {
    return kafkaBootstrapServers;
  }

  public String invocationsTopic() {
    return invocationsTopic;
  }
}
