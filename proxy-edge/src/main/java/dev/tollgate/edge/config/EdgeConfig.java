package dev.tollgate.edge.config;

import dev.tollgate.config.ConfigReader;
import dev.tollgate.config.ConfigSource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
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

  /** Built-in providers and their public base URLs; each speaks the protocol of its own name. */
  static final Map<String, String> BUILT_IN_PROVIDERS = Map.of(
      "openai", "https://api.openai.com",
      "anthropic", "https://api.anthropic.com",
      "gemini", "https://generativelanguage.googleapis.com");

  private static final Pattern PROVIDER_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  /** One upstream reachable under {@code /{name}/...}. */
  public record Provider(String name, URI baseUrl, String protocol) {
    public Provider {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(baseUrl, "baseUrl");
      Objects.requireNonNull(protocol, "protocol");
    }
  }

  private final String host;
  private final int port;
  private final int adminPort;
  private final String defaultTenant;
  private final byte[] keyFingerprintSecret;
  private final boolean keyFingerprintSecretGenerated;
  private final long maxBodyBytes;
  private final Duration upstreamConnectTimeout;
  private final Duration upstreamReadTimeout;
  private final Duration upstreamIdleTimeout;
  private final int upstreamMaxIdlePerHost;
  private final Duration shutdownGracePeriod;
  private final int publishQueueCapacity;
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
    upstreamConnectTimeout = r.duration("edge.upstream_connect_timeout", Duration.ofSeconds(10));
    // Reasoning models can think for minutes before the first byte of a non-stream response.
    upstreamReadTimeout = r.duration("edge.upstream_read_timeout", Duration.ofSeconds(300));
    upstreamIdleTimeout = r.duration("edge.upstream_idle_timeout", Duration.ofSeconds(30));
    upstreamMaxIdlePerHost = r.integer("edge.upstream_max_idle_per_host", 64, 0, 100_000);
    shutdownGracePeriod = r.duration("edge.shutdown_grace_period", Duration.ofSeconds(20));
    publishQueueCapacity = r.integer("edge.publish_queue_capacity", 10_000, 1, 10_000_000);
    instanceId = r.string("edge.instance_id", defaultInstanceId());
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
      URI baseUrl = r.httpUrl(prefix + "base_url", defaultUrl);
      // Extra providers are usually OpenAI-compatible servers (vLLM, OpenRouter, gateways).
      String protocol = r.oneOf(prefix + "protocol", defaultUrl != null ? name : "openai", PROTOCOLS);
      if (baseUrl != null) {
        out.put(name, new Provider(name, baseUrl, protocol));
      }
    }
    return Map.copyOf(out);
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

  public Duration shutdownGracePeriod() {
    return shutdownGracePeriod;
  }

  public int publishQueueCapacity() {
    return publishQueueCapacity;
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
