package dev.tollgate.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * An open-loop HTTP load generator: requests are scheduled at a fixed arrival rate, whatever the
 * responses do, and each latency is measured from the request's SCHEDULED send time, so queueing
 * behind a slow response counts (no coordinated omission). Keep-alive connections are reused one
 * request at a time (HTTP/1.1, no pipelining) and opened on demand up to a limit; a request finding
 * none free waits in a queue, and that wait is part of its latency.
 *
 * <p>Usage: {@code OpenLoopLoad --url URL --rate N --duration 10s --warmup 3s [--body JSON]
 * [--header "Name: value"]... [--max-connections 512] [--stream] [--label name] [--trace FILE]}.
 * Prints one {@code RESULT key=value ...} line: latency percentiles in milliseconds and, for
 * {@code --stream}, time to first body byte and the spread between the first and last body chunk
 * (incremental delivery: a buffered stream arrives all at once, with a spread near 0). With
 * {@code --trace}, also writes each measured request's scheduled time ({@link System#nanoTime})
 * and latency in nanoseconds, one request per line.
 *
 * <p>One event loop does everything: its timer issues the sends, and it does all I/O and recording.
 * The request is encoded once and the same bytes are written for every send.
 */
public final class OpenLoopLoad {

  private final URI url;
  private final double rate;
  private final long warmupNanos;
  private final long durationNanos;
  private final byte[] body;
  private final List<String[]> headers;
  private final int maxConnections;
  private final boolean stream;
  private final String label;
  private final String tracePath;
  private final ByteBuf requestBytes;

  private final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
  private final Histogram firstByte = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
  private final Histogram spread = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
  private final Histogram chunks = new Histogram(100_000, 3);
  private final ArrayDeque<Channel> idle = new ArrayDeque<>();
  private final ArrayDeque<Long> waiting = new ArrayDeque<>();
  private int connections;
  private long sent;
  private long completed;
  private long errors;
  private long measureFromNanos;
  private long outstanding;
  private EventLoop loop;
  private Bootstrap bootstrap;
  private long[] trace = new long[0];
  private int traced;
  private long intervalNanos;
  private long nextNanos;
  private long endNanos;
  private CountDownLatch allScheduled;

  private OpenLoopLoad(String[] args) {
    URI url = null;
    double rate = 1000;
    Duration warmup = Duration.ofSeconds(3);
    Duration duration = Duration.ofSeconds(10);
    String body = null;
    List<String[]> headers = new ArrayList<>();
    int maxConnections = 512;
    boolean stream = false;
    String label = "";
    String tracePath = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--url" -> url = URI.create(args[++i]);
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "--warmup" -> warmup = duration(args[++i]);
        case "--duration" -> duration = duration(args[++i]);
        case "--body" -> body = args[++i];
        case "--header" -> {
          String header = args[++i];
          int colon = header.indexOf(':');
          headers.add(new String[] {header.substring(0, colon).trim(), header.substring(colon + 1).trim()});
        }
        case "--max-connections" -> maxConnections = Integer.parseInt(args[++i]);
        case "--stream" -> stream = true;
        case "--label" -> label = args[++i];
        case "--trace" -> tracePath = args[++i];
        default -> throw new IllegalArgumentException("unexpected argument: " + arg);
      }
    }
    if (url == null) {
      throw new IllegalArgumentException("--url is required");
    }
    this.url = url;
    this.rate = rate;
    this.warmupNanos = warmup.toNanos();
    this.durationNanos = duration.toNanos();
    this.body = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
    this.headers = headers;
    this.maxConnections = maxConnections;
    this.stream = stream;
    this.label = label;
    this.tracePath = tracePath;
    this.requestBytes = encode(url, this.body, headers);
  }

  private static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    if (t.endsWith("s")) {
      return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
    }
    throw new IllegalArgumentException("duration: " + text + " (expected e.g. 500ms or 10s)");
  }

  public static void main(String[] args) throws Exception {
    new OpenLoopLoad(args).run();
  }

  private void run() throws Exception {
    // Epoll where available: its timers wake the loop with microsecond precision, so the loop can
    // schedule its own sends. One thread does everything: no cross-thread wake-up per request,
    // which on these shared cores would cost the targets as much CPU as they spend themselves.
    boolean epoll = Epoll.isAvailable();
    MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    try {
      loop = group.next();
      bootstrap = new Bootstrap().group(loop).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpResponseDecoder(), new ResponseHandler());
            }
          });
      intervalNanos = (long) (1e9 / rate);
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
      measureFromNanos = start + warmupNanos;
      endNanos = measureFromNanos + durationNanos;
      nextNanos = start;
      allScheduled = new CountDownLatch(1);
      loop.execute(this::sendDue);
      allScheduled.await();
      CountDownLatch drained = new CountDownLatch(1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        loop.submit(() -> {
          if (outstanding == 0) {
            drained.countDown();
          }
        }).sync();
        if (drained.await(50, TimeUnit.MILLISECONDS)) {
          break;
        }
      }
      loop.submit(this::report).sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /**
   * Sends every request whose time has come, each with its own scheduled time however late the loop
   * got to it (the delay is charged to the request, as a real arrival's would be), then sets a timer
   * for the next one.
   */
  private void sendDue() {
    long now = System.nanoTime();
    while (nextNanos <= now && nextNanos < endNanos) {
      send(nextNanos);
      nextNanos += intervalNanos;
    }
    if (nextNanos >= endNanos) {
      allScheduled.countDown();
      return;
    }
    loop.schedule(this::sendDue, nextNanos - now, TimeUnit.NANOSECONDS);
  }

  private void send(long scheduledNanos) {
    sent++;
    outstanding++;
    dispatch(scheduledNanos);
  }

  /** Sends on an idle connection, else a new one, else queues (the wait counts in the latency). */
  private void dispatch(long scheduledNanos) {
    Channel channel = idle.pollFirst();
    if (channel != null && channel.isActive()) {
      write(channel, scheduledNanos);
      return;
    }
    if (channel != null) {
      connections--; // closed while idle
    }
    if (connections < maxConnections) {
      connections++;
      ChannelFuture connecting = bootstrap.connect(url.getHost(), url.getPort());
      connecting.addListener(f -> {
        if (f.isSuccess()) {
          write(connecting.channel(), scheduledNanos);
        } else {
          connections--;
          fail(scheduledNanos);
        }
      });
      return;
    }
    waiting.addLast(scheduledNanos);
  }

  private void write(Channel channel, long scheduledNanos) {
    ResponseHandler handler = channel.pipeline().get(ResponseHandler.class);
    handler.begin(scheduledNanos);
    channel.writeAndFlush(requestBytes.duplicate()).addListener(f -> {
      if (!f.isSuccess()) {
        channel.close();
      }
    });
  }

  /** The request, encoded once: every send writes the same bytes. */
  private static ByteBuf encode(URI url, byte[] body, List<String[]> headers) {
    String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    StringBuilder head = new StringBuilder(body == null ? "GET " : "POST ").append(path).append(" HTTP/1.1\r\n")
        .append("host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n");
    if (body != null) {
      head.append("content-type: application/json\r\n");
    }
    head.append("content-length: ").append(body == null ? 0 : body.length).append("\r\n");
    for (String[] header : headers) {
      head.append(header[0]).append(": ").append(header[1]).append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuf bytes = Unpooled.directBuffer(headBytes.length + (body == null ? 0 : body.length));
    bytes.writeBytes(headBytes);
    if (body != null) {
      bytes.writeBytes(body);
    }
    return Unpooled.unreleasableBuffer(bytes);
  }

  private void done(Channel channel, boolean reusable) {
    outstanding--;
    if (!reusable) {
      connections--;
      channel.close();
      dispatchWaiting();
      return;
    }
    Long queued = waiting.pollFirst();
    if (queued != null) {
      write(channel, queued);
    } else {
      idle.addFirst(channel);
    }
  }

  private void dispatchWaiting() {
    Long queued = waiting.pollFirst();
    if (queued != null) {
      dispatch(queued);
    }
  }

  private void fail(long scheduledNanos) {
    outstanding--;
    if (scheduledNanos >= measureFromNanos) {
      errors++;
    }
  }

  private static long micros(long nanos) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos));
  }

  private void report() {
    StringBuilder out = new StringBuilder("RESULT");
    out.append(" label=").append(label.isEmpty() ? "-" : label)
        .append(" rate=").append((long) rate)
        .append(" sent=").append(sent)
        .append(" completed=").append(completed)
        .append(" errors=").append(errors)
        .append(" unfinished=").append(outstanding)
        .append(" connections=").append(connections);
    append(out, "latency", latency);
    if (stream) {
      append(out, "first_byte", firstByte);
      append(out, "spread", spread);
      out.append(" chunks_p50=").append(chunks.getValueAtPercentile(50));
    }
    System.out.println(out);
    if (tracePath != null) {
      try (PrintWriter w = new PrintWriter(tracePath, StandardCharsets.UTF_8)) {
        for (int i = 0; i < traced; i += 2) {
          w.println(trace[i] + " " + trace[i + 1]);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static void append(StringBuilder out, String name, Histogram h) {
    for (double p : new double[] {50, 90, 99, 99.9}) {
      String key = p == 99.9 ? "p999" : "p" + (int) p;
      out.append(' ').append(name).append('_').append(key).append("_ms=")
          .append(String.format(Locale.ROOT, "%.3f", h.getValueAtPercentile(p) / 1000.0));
    }
    out.append(' ').append(name).append("_max_ms=").append(String.format(Locale.ROOT, "%.3f", h.getMaxValue() / 1000.0));
  }

  /** Reads one response on a connection and records it; confined to the event loop. */
  private final class ResponseHandler extends SimpleChannelInboundHandler<HttpObject> {
    private long scheduledNanos = -1;
    private long firstContentNanos;
    private long lastContentNanos;
    private int contentChunks;
    private boolean ok;
    private boolean keepAlive;

    void begin(long scheduled) {
      scheduledNanos = scheduled;
      firstContentNanos = 0;
      contentChunks = 0;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
      long now = System.nanoTime();
      if (msg instanceof HttpResponse response) {
        ok = response.status().code() / 100 == 2;
        keepAlive = HttpUtil.isKeepAlive(response);
      }
      if (msg instanceof HttpContent content && content.content().isReadable()) {
        if (firstContentNanos == 0) {
          firstContentNanos = now;
        }
        lastContentNanos = now;
        contentChunks++;
      }
      if (msg instanceof LastHttpContent && scheduledNanos >= 0) {
        long scheduled = scheduledNanos;
        scheduledNanos = -1;
        if (scheduled >= measureFromNanos) {
          if (ok) {
            completed++;
            latency.recordValue(micros(now - scheduled));
            if (tracePath != null) {
              if (traced + 2 > trace.length) {
                trace = Arrays.copyOf(trace, Math.max(1024, trace.length * 2));
              }
              trace[traced++] = scheduled;
              trace[traced++] = now - scheduled;
            }
            if (stream && firstContentNanos > 0) {
              firstByte.recordValue(micros(firstContentNanos - scheduled));
              spread.recordValue(micros(lastContentNanos - firstContentNanos));
              chunks.recordValue(contentChunks);
            }
          } else {
            errors++;
          }
        }
        done(ctx.channel(), keepAlive);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (scheduledNanos >= 0) {
        long scheduled = scheduledNanos;
        scheduledNanos = -1;
        connections--;
        fail(scheduled);
        dispatchWaiting();
      } else if (idle.remove(ctx.channel())) {
        connections--; // an idle connection the server closed
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
