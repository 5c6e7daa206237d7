package dev.tollgate.fake;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * A faithful fake of the OpenAI, Azure OpenAI, Anthropic and Gemini HTTP APIs on one port, for tests, benchmarks and
 * manual runs: the documented JSON shapes, server-sent-event streams (one flush per event), usage
 * fields, error bodies, and rate-limit, retry and request-id headers.
 *
 * <h2>Routes</h2>
 *
 * <ul>
 *   <li>OpenAI ({@code Authorization: Bearer …} required, else 401): {@code POST
 *       /v1/chat/completions} (JSON, or SSE with {@code "stream":true}; the usage chunk with {@code
 *       choices:[]} comes before {@code data: [DONE]} only with {@code
 *       stream_options.include_usage}), {@code POST /v1/responses} (JSON, or {@code event:}+{@code
 *       data:} SSE ending with {@code response.completed}), {@code POST /v1/embeddings}, {@code GET
 *       /v1/models}, {@code GET /v1/models/{id}}.
 *   <li>Anthropic ({@code x-api-key} or {@code Authorization} required, else 401; {@code
 *       anthropic-version} required, else 400): {@code POST /v1/messages} (JSON, or SSE with
 *       {@code "stream":true}), {@code POST /v1/messages/count_tokens}, {@code GET /v1/models},
 *       {@code GET /v1/models/{id}}.
 *   <li>Gemini ({@code x-goog-api-key} or query {@code key=} required, else 403): {@code POST
 *       /v1beta/models/{m}:generateContent}, {@code :streamGenerateContent?alt=sse} (cumulative
 *       {@code usageMetadata} snapshots, zero counts left out, no sentinel event) and {@code
 *       :countTokens}; see {@code GeminiProtocol}.
 *   <li>Azure OpenAI ({@code api-key} or a bearer token, else 401): {@code POST
 *       /openai/deployments/{d}/chat/completions?api-version=…} and {@code POST
 *       /openai/v1/chat/completions}; see {@code AzureProtocol}.
 * </ul>
 *
 * A request goes to the Anthropic protocol when its path starts with {@code /v1/messages} or it
 * carries an {@code anthropic-version} or {@code x-api-key} header; everything else is OpenAI.
 * Unknown paths are a 404 and unparseable JSON a 400 {@code invalid_request_error}, each in that
 * provider's error shape. The response {@code model} is the requested one, except that well-known
 * aliases become their dated snapshot ({@code gpt-4o-mini} → {@code gpt-4o-mini-2024-07-18},
 * {@code claude-sonnet-4-5} → {@code claude-sonnet-4-5-20250929}). Non-stream JSON is gzipped
 * when the client sends {@code Accept-Encoding: gzip}, as the real front ends do.
 *
 * <h2>Controls (request headers, so they pass through a proxy and the official SDKs)</h2>
 *
 * <ul>
 *   <li>{@code x-fake-usage: input=120,output=30,cached=20,reasoning=5,cache_write=10,cache_write_1h=0}
 *       — normalised totals: {@code input} is every prompt token including cache reads ({@code
 *       cached}) and cache writes ({@code cache_write}, of which {@code cache_write_1h} have the
 *       1-hour lifetime); {@code output} includes {@code reasoning}. Each protocol converts to its
 *       own convention: OpenAI {@code prompt_tokens = input}, {@code cached_tokens = cached};
 *       Anthropic {@code input_tokens = input - cached - cache_write}, {@code
 *       cache_read_input_tokens = cached}, {@code cache_creation_input_tokens = cache_write}. Keys
 *       may be left out; inconsistent totals are a 400.
 *   <li>{@code x-fake-status: 429} — answer with that error status (400–599) in the provider's
 *       shape; 429 and 5xx carry {@code retry-after}, {@code retry-after-ms} and {@code
 *       x-should-retry: true}.
 *   <li>{@code x-fake-retry-after-ms: 1000} — the retry delay those headers announce (default 1000).
 *   <li>{@code x-fake-delay-ms: 50} — wait before sending the response headers.
 *   <li>{@code x-fake-chunk-delay-ms: 20} — wait between stream events.
 *   <li>{@code x-fake-chunks: 5} — number of content deltas (default 6, one word each).
 *   <li>{@code x-fake-fail: mid-stream-error} — after half the content deltas of a 200 stream, an
 *       error event (OpenAI chat {@code data: {"error":…}}, Responses {@code event: error},
 *       Anthropic {@code event: error} {@code overloaded_error}) and the end of the stream.
 *   <li>{@code x-fake-fail: disconnect} — close the connection just before the event that carries
 *       the final usage (for a non-stream request: instead of answering).
 * </ul>
 *
 * Any other {@code x-fake-*} header is a 400, so a typo does not go unnoticed.
 *
 * <p>Without {@code x-fake-usage}, usage is derived from the request: {@code input = ceil(body
 * bytes / 4)} (at least 1), {@code output = chunks} (one token per content delta), every other
 * count 0.
 *
 * <p>Thread-safe: start, close and the request log may be used from any thread.
 */
public final class FakeProvider implements AutoCloseable {

  /** The port {@link #main} listens on without {@code --port}. */
  public static final int DEFAULT_PORT = 8095;

  private static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

  private final EventLoopGroup group;
  private final Channel serverChannel;
  private final RequestLog requestLog;
  private final String host;
  private final int port;

  private FakeProvider(Builder builder) {
    this.requestLog = new RequestLog(builder.recordLimit);
    this.group = new MultiThreadIoEventLoopGroup(
        builder.ioThreads, new DefaultThreadFactory("fake-provider", true), NioIoHandler.newFactory());
    List<Protocol> protocols =
        List.of(new AzureProtocol(), new GeminiProtocol(), new AnthropicProtocol(), new OpenAiProtocol());
    boolean compression = builder.compression;
    try {
      this.serverChannel = new ServerBootstrap()
          .group(group)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 1024)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ChannelPipeline pipeline = ch.pipeline();
              pipeline.addLast("http-codec", new HttpServerCodec());
              pipeline.addLast("keep-alive", new HttpServerKeepAliveHandler());
              if (compression) {
                pipeline.addLast("compressor", new ResponseCompressor());
              }
              pipeline.addLast("aggregator", new HttpObjectAggregator(MAX_BODY_BYTES));
              pipeline.addLast("client-request-handler", new FakeRequestHandler(protocols, requestLog));
            }
          })
          .bind(builder.host, builder.port)
          .syncUninterruptibly()
          .channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
    this.host = builder.host;
    this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    LoggerFactory.getLogger(FakeProvider.class).info("fake provider listening host={}, port={}", host, port);
  }

  /** Starts a fake on 127.0.0.1 at {@code port} (0 picks a free port) with default options. */
  public static FakeProvider start(int port) {
    return builder().port(port).start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The port the fake listens on. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>}, without a path: OpenAI SDKs want {@code baseUrl() + "/v1"}. */
  public String baseUrl() {
    return "http://" + host + ":" + port;
  }

  /** The requests received so far, oldest first (at most the builder's record limit). */
  public List<RecordedRequest> requests() {
    return requestLog.snapshot();
  }

  /** Forgets the recorded requests. */
  public void clearRequests() {
    requestLog.clear();
  }

  /** Stops listening and closes every open connection, streams included. */
  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * Runs the fake until the process is terminated: {@code --port P} (default 8095), {@code --host
   * H} (default 127.0.0.1). Logs one line per request (method, path, status).
   */
  public static void main(String[] args) throws InterruptedException {
    // Log4j's built-in configuration logs only errors; the per-request lines are INFO.
    if (System.getProperty("log4j2.configurationFile") == null
        && System.getProperty("org.apache.logging.log4j.level") == null) {
      System.setProperty("org.apache.logging.log4j.level", "INFO");
    }
    Builder builder = builder().port(DEFAULT_PORT).recordLimit(0);
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if ((arg.equals("--port") || arg.equals("--host")) && i + 1 < args.length) {
        String value = args[++i];
        if (arg.equals("--port")) {
          builder.port(parsePort(value));
        } else {
          builder.host(value);
        }
      } else {
        throw new IllegalArgumentException("unexpected argument '" + arg + "' (usage: FakeProvider [--port P] [--host H])");
      }
    }
    FakeProvider fake = builder.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      fake.close();
      stopped.countDown();
    }, "fake-provider-shutdown"));
    stopped.await();
  }

  private static int parsePort(String value) {
    try {
      int port = Integer.parseInt(value);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--port: '" + value + "' (expected: an integer in [0, 65535])");
  }

  /** Options for a {@link FakeProvider}. Not thread-safe. */
  public static final class Builder {

    private String host = "127.0.0.1";
    private int port;
    private int ioThreads = 2;
    private int recordLimit = 10_000;
    private boolean compression = true;

    private Builder() {}

    /** The port to listen on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: an integer in [0, 65535])");
      }
      this.port = port;
      return this;
    }

    /** The address to listen on; default 127.0.0.1. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Event-loop threads; default 2. */
    public Builder ioThreads(int ioThreads) {
      if (ioThreads < 1) {
        throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: >= 1)");
      }
      this.ioThreads = ioThreads;
      return this;
    }

    /** How many recent requests {@link #requests()} keeps; 0 records none. Default 10,000. */
    public Builder recordLimit(int recordLimit) {
      if (recordLimit < 0) {
        throw new IllegalArgumentException("recordLimit: " + recordLimit + " (expected: >= 0)");
      }
      this.recordLimit = recordLimit;
      return this;
    }

    /** Whether non-stream JSON is gzipped for clients that accept it; default true. */
    public Builder compression(boolean compression) {
      this.compression = compression;
      return this;
    }

    public FakeProvider start() {
      return new FakeProvider(this);
    }
  }
}
