package dev.tollgate.edge.server;

import dev.tollgate.edge.metrics.LogThrottle;
import dev.tollgate.edge.origin.OriginListener;
import dev.tollgate.edge.origin.OriginResponseReceiver;
import dev.tollgate.edge.provider.RequestBodySniffer;
import dev.tollgate.edge.provider.StreamUsageInjection;
import dev.tollgate.edge.provider.UsageEstimator;
import dev.tollgate.edge.provider.UsageChunkFilter;
import dev.tollgate.edge.provider.ResponseFacts;
import dev.tollgate.edge.provider.ResponseObserver;
import dev.tollgate.event.InvocationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied request: forwards it to the provider's origin and the response back, chunk by
 * chunk with one chunk in flight per direction (the next read is issued only when the previous
 * write succeeded), reads usage from copies of the bytes as they pass, and publishes exactly one
 * {@link InvocationEvent} when it ends, however it ends — after its token estimate when the
 * provider reported no usage ({@link UsageEstimation}).
 *
 * <p>Used only on the client channel's event loop, which is also the origin connection's; only a
 * finished event (and the text held for its estimate) is handed to another thread.
 */
final class ProxyExchange implements OriginListener {

  private static final Logger log = LoggerFactory.getLogger(ProxyExchange.class);
  /** Upstream failures answered 502/504: worth an operator's eye, but one line per 10 s at most. */
  private static final LogThrottle UPSTREAM_FAILURE_LOG = new LogThrottle(Duration.ofSeconds(10));
  /** Largest chat request body held back to add include_usage; larger ones stream through untouched. */
  static final long INJECT_MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final ClientRequestReceiver receiver;
  private final ChannelHandlerContext ctx;
  private final EdgeContext edge;
  private final EdgeContext.Route route;
  private final HttpRequest request;
  private final String path;
  private final String query;
  private final String operation;
  private final boolean clientKeepAlive;
  private final String eventId = UUID.randomUUID().toString();
  private final long receivedAtUs;
  /** Null for unmetered operations (models lists, files…): nothing is counted for them. */
  private final UsageEstimator estimator;
  private final RequestBodySniffer sniffer;
  private final ResponseFacts facts;
  private final ArrayDeque<HttpContent> pendingRequestContent = new ArrayDeque<>(2);
  /** The chat request body while it is held to add include_usage (null otherwise). */
  private CompositeByteBuf heldBody;
  private int injectedContentLength = -1;
  private UsageChunkFilter usageFilter;

  private Channel origin;
  private OriginResponseReceiver originReceiver;
  private ResponseObserver observer = ResponseObserver.NONE;
  private ScheduledFuture<?> readTimeout;
  private boolean originReadPending;

  private boolean requestReceived;
  private boolean requestSent;
  private boolean responseStarted;
  private boolean skippingInformational;
  private boolean upstreamResponseComplete;
  private boolean upstreamKeepAlive;
  private boolean originReused;
  private boolean streamResponse;
  private boolean closeClientAfter;
  private boolean finished;

  private long requestBytes;
  private long responseBytes;
  private Long upstreamFirstByteUs;
  private int status;
  private String outcome;
  private String errorType;

  ProxyExchange(ClientRequestReceiver receiver, ChannelHandlerContext ctx, EdgeContext edge, EdgeContext.Route route,
                HttpRequest request, String path, String query) {
    this.receiver = receiver;
    this.ctx = ctx;
    this.edge = edge;
    this.route = route;
    this.request = request;
    this.path = path.isEmpty() ? "/" : path;
    this.query = query;
    this.operation = route.adapter().operation(request.method().name(), this.path);
    this.clientKeepAlive = HttpUtil.isKeepAlive(request);
    this.receivedAtUs = edge.clockMicros.getAsLong();
    this.estimator = operation.equals("other") ? null
        : new UsageEstimator(route.adapter().protocol(), edge.estimation.budget());
    if (estimator != null) {
      estimator.model(route.adapter().modelFromPath(this.path));
    }
    this.sniffer = new RequestBodySniffer(estimator);
    this.facts = new ResponseFacts(edge.clockMicros, estimator);
  }

  void start() {
    edge.metrics.requestStarted();
    long declared = HttpUtil.getContentLength(request, -1L);
    if (declared > edge.config.maxBodyBytes()) {
      replyLocally(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request_too_large",
          "request body of " + declared + " bytes exceeds the limit of " + edge.config.maxBodyBytes(), "proxy_error");
      return;
    }
    if (holdsBodyForUsage(declared)) {
      heldBody = ctx.alloc().compositeBuffer();
      ctx.read(); // the body is read in full before anything goes upstream
      return;
    }
    connect();
  }

  /**
   * True for an OpenAI-protocol chat request of known, bounded length: it is held and, when it
   * asks for a stream without usage, rewritten with {@code stream_options.include_usage}.
   */
  private boolean holdsBodyForUsage(long declared) {
    return edge.config.injectStreamUsage() && route.adapter().protocol().equals("openai") && operation.equals("chat")
        && declared > 0 && declared <= INJECT_MAX_BODY_BYTES
        && !request.headers().contains(HttpHeaderNames.CONTENT_ENCODING);
  }

  private void connect() {
    Future<Channel> connecting = edge.connector.acquire(route.origin(), ctx.channel().eventLoop());
    if (connecting.isDone()) {
      originReused = connecting.isSuccess(); // a pooled connection; a new one is never ready at once
      onConnected(connecting);
    } else {
      connecting.addListener(f -> onConnected(connecting));
    }
  }

  private void onConnected(Future<Channel> connecting) {
    if (finished) {
      if (connecting.isSuccess()) {
        edge.connector.release(connecting.getNow()); // the client left while we connected
      }
      return;
    }
    if (!connecting.isSuccess()) {
      Throwable cause = connecting.cause();
      boolean timeout = cause instanceof ConnectTimeoutException || cause instanceof SslHandshakeTimeoutException;
      UPSTREAM_FAILURE_LOG.maybeLog(suppressed -> log.warn("upstream connect failed: provider={}, origin={}, error={}, suppressed={}",
          route.provider().name(), route.origin(), cause.toString(), suppressed));
      if (timeout) {
        replyLocally(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout", "upstream connect timed out", "timeout");
      } else {
        replyLocally(HttpResponseStatus.BAD_GATEWAY, "upstream_unreachable", "upstream unreachable", "upstream_error");
      }
      return;
    }
    origin = connecting.getNow();
    originReceiver = origin.pipeline().get(OriginResponseReceiver.class);
    originReceiver.attach(this);
    origin.write(upstreamRequest()).addListener(this::onRequestPartWritten);
    HttpContent content;
    while ((content = pendingRequestContent.poll()) != null) {
      boolean last = content instanceof LastHttpContent;
      origin.write(content).addListener(last ? this::onRequestLastWritten : this::onRequestPartWritten);
    }
    origin.flush();
    // The response direction starts now: an upstream may answer before the body is sent. The
    // request direction continues from the write listeners: each success reads the next chunk.
    readOrigin();
  }

  private HttpRequest upstreamRequest() {
    String uri = route.basePath() + path + (query == null ? "" : "?" + query);
    HttpHeaders headers = ForwardedHeaders.toUpstream(request.headers(), route.origin().hostHeader());
    if (injectedContentLength >= 0) {
      headers.setInt(HttpHeaderNames.CONTENT_LENGTH, injectedContentLength);
    }
    if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && HttpUtil.isTransferEncodingChunked(request)) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, headers);
  }

  /** A request body chunk from the client. */
  void onClientContent(HttpContent content) {
    if (finished || requestReceived) {
      content.release();
      return;
    }
    boolean last = content instanceof LastHttpContent;
    if (content.decoderResult().isFailure()) {
      content.release();
      abort(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed request body", "proxy_error");
      return;
    }
    requestBytes += content.content().readableBytes();
    if (requestBytes > edge.config.maxBodyBytes()) {
      content.release();
      abort(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request_too_large",
          "request body exceeds the limit of " + edge.config.maxBodyBytes() + " bytes", "proxy_error");
      return;
    }
    sniffer.onBody(content.content());
    if (last) {
      requestReceived = true;
      sniffer.onEnd();
    }
    if (heldBody != null) {
      holdContent(content, last);
      return;
    }
    if (origin == null) {
      pendingRequestContent.add(content); // still connecting; nothing more is read until then
      return;
    }
    origin.writeAndFlush(content).addListener(last ? this::onRequestLastWritten : this::onRequestPartWritten);
  }

  private void holdContent(HttpContent content, boolean last) {
    heldBody.addComponent(true, content.content().retain());
    content.release();
    if (!last) {
      ctx.read();
      return;
    }
    byte[] original = ByteBufUtil.getBytes(heldBody);
    heldBody.release();
    heldBody = null;
    byte[] rewritten = StreamUsageInjection.rewrite(original);
    if (rewritten != null) {
      injectedContentLength = rewritten.length;
    }
    pendingRequestContent.add(new DefaultLastHttpContent(Unpooled.wrappedBuffer(rewritten != null ? rewritten : original)));
    connect();
  }

  private void onRequestPartWritten(Future<? super Void> f) {
    if (!f.isSuccess()) {
      onOriginClosed(f.cause());
    } else if (!finished && !requestReceived && pendingRequestContent.isEmpty()) {
      ctx.read();
    }
  }

  private void onRequestLastWritten(Future<? super Void> f) {
    if (!f.isSuccess()) {
      onOriginClosed(f.cause());
      return;
    }
    requestSent = true;
    if (originReadPending && !finished) {
      armReadTimeout();
    }
  }

  private void readOrigin() {
    originReadPending = true;
    origin.read();
    if (requestSent) {
      armReadTimeout();
    }
  }

  private void armReadTimeout() {
    cancelReadTimeout();
    long millis = edge.config.upstreamReadTimeout().toMillis();
    readTimeout = ctx.channel().eventLoop().schedule(this::onReadTimeout, millis, TimeUnit.MILLISECONDS);
  }

  private void cancelReadTimeout() {
    if (readTimeout != null) {
      readTimeout.cancel(false);
      readTimeout = null;
    }
  }

  private void onReadTimeout() {
    readTimeout = null;
    if (finished || !originReadPending) {
      return;
    }
    log.debug("upstream read timed out: provider={}, origin={}", route.provider().name(), route.origin());
    abort(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout", "upstream did not respond in time", "timeout");
  }

  @Override
  public void onOriginMessage(Object message) {
    originReadPending = false;
    cancelReadTimeout();
    if (finished) {
      ReferenceCountUtil.release(message);
      return;
    }
    if (message instanceof HttpResponse response) {
      onResponseHead(response);
    }
    if (message instanceof HttpContent content) {
      onResponseContent(content);
    }
  }

  private void onResponseHead(HttpResponse response) {
    int code = response.status().code();
    if (code >= 100 && code < 200) {
      skippingInformational = true; // 100/103 interim responses are not forwarded; the final one follows
      return;
    }
    upstreamFirstByteUs = edge.clockMicros.getAsLong();
    status = code;
    upstreamKeepAlive = HttpUtil.isKeepAlive(response);
    HttpHeaders upstreamHeaders = response.headers();
    String contentType = upstreamHeaders.get(HttpHeaderNames.CONTENT_TYPE);
    streamResponse = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    String encoding = upstreamHeaders.get(HttpHeaderNames.CONTENT_ENCODING);
    observer = route.adapter().observer(operation, contentType, encoding, facts);
    if (injectedContentLength >= 0 && streamResponse && !upstreamHeaders.contains(HttpHeaderNames.CONTENT_LENGTH)
        && (encoding == null || encoding.equalsIgnoreCase("identity"))) {
      usageFilter = new UsageChunkFilter(); // the client did not ask for the usage chunk
    }

    HttpHeaders headers = ForwardedHeaders.toClient(upstreamHeaders);
    boolean bodyAllowed = !request.method().equals(HttpMethod.HEAD) && code != 204 && code != 304;
    if (bodyAllowed && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else {
        closeClientAfter = true; // an HTTP/1.0 client learns the end of the body by the close
      }
    }
    HttpResponse toClient = new DefaultHttpResponse(request.protocolVersion(), response.status(), headers);
    HttpUtil.setKeepAlive(toClient, clientKeepAlive && !closeClientAfter && !edge.draining());
    responseStarted = true;
    ctx.writeAndFlush(toClient).addListener(this::onResponsePartWritten);
  }

  private void onResponseContent(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (skippingInformational) {
      content.release();
      if (last) {
        skippingInformational = false;
      }
      readOrigin();
      return;
    }
    if (content.decoderResult().isFailure()) {
      content.release(); // the upstream closed or broke the framing mid-body
      onOriginClosed(content.decoderResult().cause());
      return;
    }
    responseBytes += content.content().readableBytes();
    observer.onBody(content.content());
    if (usageFilter != null) {
      content = filterUsageChunk(content, last);
      if (content == null) {
        readOrigin(); // only part of an event arrived: nothing to forward yet
        return;
      }
    }
    if (last) {
      upstreamResponseComplete = true;
      observer.onEnd();
      if (!streamResponse && status >= 200 && status < 300) {
        facts.bodyComplete(edge.clockMicros.getAsLong());
      }
      ctx.writeAndFlush(content).addListener(this::onResponseLastWritten);
    } else {
      ctx.writeAndFlush(content).addListener(this::onResponsePartWritten);
    }
  }

  /** The complete events of {@code content} minus the usage-only chunk, or null when none is complete yet. */
  private HttpContent filterUsageChunk(HttpContent content, boolean last) {
    responseBytes -= content.content().readableBytes(); // counted as forwarded: what the client sees
    ByteBuf forward = usageFilter.filter(content.content(), ctx.alloc());
    content.release();
    if (!last) {
      if (forward == null) {
        return null;
      }
      responseBytes += forward.readableBytes();
      return new DefaultHttpContent(forward);
    }
    ByteBuf rest = usageFilter.flush(ctx.alloc());
    if (forward == null) {
      forward = rest == null ? Unpooled.EMPTY_BUFFER : rest;
    } else if (rest != null) {
      forward = ctx.alloc().compositeBuffer(2).addComponents(true, forward, rest);
    }
    responseBytes += forward.readableBytes();
    return new DefaultLastHttpContent(forward);
  }

  private void onResponsePartWritten(Future<? super Void> f) {
    if (!f.isSuccess()) {
      onClientClosed();
    } else if (!finished && !upstreamResponseComplete) {
      readOrigin();
    }
  }

  private void onResponseLastWritten(Future<? super Void> f) {
    if (!f.isSuccess()) {
      onClientClosed();
      return;
    }
    if (finished) {
      return;
    }
    boolean reusable = requestSent && upstreamKeepAlive;
    releaseOrigin(reusable);
    finish(status >= 400 || facts.errorType() != null ? "upstream_error" : "ok");
    receiver.exchangeDone(ctx, clientKeepAlive && !closeClientAfter && requestReceived);
  }

  @Override
  public void onOriginClosed(Throwable cause) {
    if (finished || upstreamResponseComplete) {
      return;
    }
    UPSTREAM_FAILURE_LOG.maybeLog(suppressed -> log.warn(
        "upstream connection lost before the response ended: provider={}, origin={}, reused={}, error={}, suppressed={}",
        route.provider().name(), route.origin(), originReused, cause == null ? "closed" : cause.toString(), suppressed));
    abort(HttpResponseStatus.BAD_GATEWAY, "upstream_reset", "upstream closed the connection", "upstream_error");
  }

  /** The client connection closed or a write to it failed. */
  void onClientClosed() {
    if (finished) {
      return;
    }
    releaseOrigin(false); // cancels the upstream call
    finish("client_disconnected");
    ctx.close();
  }

  /** The client did not send the request body in time: 408 (or a cut, if the response started) and close. */
  void onClientBodyTimeout() {
    if (finished || requestReceived) {
      return;
    }
    log.debug("client body timed out: provider={}, received_bytes={}", route.provider().name(), requestBytes);
    abort(HttpResponseStatus.REQUEST_TIMEOUT, "client_timeout", "request body not received in time", "timeout");
  }

  /** Ends the exchange with an error: a local reply when nothing was sent yet, else a cut connection. */
  private void abort(HttpResponseStatus replyStatus, String code, String message, String abortOutcome) {
    if (!responseStarted) {
      replyLocally(replyStatus, code, message, abortOutcome);
      return;
    }
    errorType = code;
    releaseOrigin(false);
    finish(abortOutcome);
    ctx.close(); // the client sees a truncated body rather than a well-formed lie
  }

  private void replyLocally(HttpResponseStatus replyStatus, String code, String message, String replyOutcome) {
    releaseOrigin(false);
    status = replyStatus.code();
    errorType = code;
    responseStarted = true;
    byte[] body = route.adapter().errorBody(replyStatus.code(), code, message);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, replyStatus, Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    // The rest of an unread request body would be taken for the next request: close instead.
    boolean keepAlive = clientKeepAlive && requestReceived && !edge.draining();
    HttpUtil.setKeepAlive(response, keepAlive);
    responseBytes = body.length;
    finish(replyOutcome);
    ctx.writeAndFlush(response).addListener((ChannelFuture f) -> receiver.exchangeDone(ctx, keepAlive && f.isSuccess()));
  }

  private void releaseOrigin(boolean reusable) {
    cancelReadTimeout();
    if (origin == null) {
      return;
    }
    Channel channel = origin;
    origin = null;
    originReceiver.detach();
    if (reusable) {
      edge.connector.release(channel);
    } else {
      channel.close();
    }
  }

  private void finish(String finalOutcome) {
    if (finished) {
      return;
    }
    finished = true;
    outcome = finalOutcome;
    cancelReadTimeout();
    HttpContent pending;
    while ((pending = pendingRequestContent.poll()) != null) {
      pending.release();
    }
    if (heldBody != null) {
      heldBody.release();
      heldBody = null;
    }
    long completedAtUs = edge.clockMicros.getAsLong();
    edge.metrics.requestFinished();
    edge.metrics.requestCompleted(route.provider().name(), status, outcome);
    boolean estimate = !facts.usageReported() && estimable();
    InvocationEvent event;
    try {
      event = event(completedAtUs);
    } catch (RuntimeException e) {
      dropEstimate();
      edge.metrics.eventDropped(); // a bug here must not affect the call
      // The class only: an exception's message may quote request data (a query string, a header).
      log.warn("event not built: provider={}, error={}", route.provider().name(), e.getClass().getName());
      return;
    }
    if (estimate) {
      // Tokenizing is left to the estimation pool; the event is published when it is done.
      edge.estimation.estimateAndPublish(event, estimator.detach());
      return;
    }
    dropEstimate();
    try {
      edge.publisher.publish(event);
    } catch (RuntimeException e) {
      edge.metrics.eventDropped(); // a publisher must not throw; if one does, the call is unaffected
      log.warn("event not published: provider={}, error={}", route.provider().name(), e.getClass().getName());
    }
  }

  /** The held text is not needed: the usage is known, or unknown for good. */
  private void dropEstimate() {
    if (estimator != null) {
      estimator.drop();
    }
  }

  /**
   * True when a call without reported usage is estimated rather than recorded as unknown: a
   * metered operation the upstream accepted (a 2xx, possibly cut short, or no answer yet when the
   * client left). Calls the upstream refused, or never received, bill nothing and stay "none".
   */
  private boolean estimable() {
    if (estimator == null) {
      return false;
    }
    if (status == 0) {
      return requestSent; // the upstream has the whole request: it may bill for it
    }
    return status >= 200 && status < 300;
  }

  /** The call's event, with usage as reported or unknown (an estimate is filled in later). */
  InvocationEvent event(long completedAtUs) {
    Attribution attribution = Attribution.from(request.headers(), edge.config.defaultTenant());
    if (attribution.tagsDropped() > 0) {
      edge.metrics.tagsDropped(attribution.tagsDropped());
    }
    // Azure attributes by the deployment in the URL (the response model is the underlying model).
    String deployment = route.adapter().deploymentFromPath(path);
    String requestModel = deployment != null ? deployment
        : sniffer.model() != null ? sniffer.model() : route.adapter().modelFromPath(path);
    String error = errorType != null ? errorType : facts.errorType();
    if (error == null && status >= 400) {
      error = "http_" + status;
    }
    Long firstToken = facts.firstTokenAtMicros();
    String tier = facts.serviceTier() != null ? facts.serviceTier() : sniffer.serviceTier();
    return InvocationEvent.newBuilder()
        .setEventId(eventId)
        .setTenant(attribution.tenant())
        .setProviderName(route.provider().name())
        .setProtocol(route.adapter().protocol())
        .setOperationName(operation)
        .setHttpMethod(request.method().name())
        .setPathTemplate(route.adapter().pathTemplate(path))
        .setRequestModel(requestModel)
        .setResponseModel(facts.responseModel())
        .setResponseId(facts.responseId())
        .setStream(upstreamFirstByteUs != null ? streamResponse : sniffer.stream())
        .setStatusCode(status)
        .setErrorType(error)
        .setResponseFinishReasons(List.copyOf(facts.finishReasons()))
        .setOutcome(outcome)
        .setReceivedAtUs(receivedAtUs)
        .setUpstreamFirstByteAtUs(upstreamFirstByteUs)
        .setFirstTokenAtUs(firstToken)
        .setCompletedAtUs(completedAtUs)
        .setTtftUs(firstToken == null ? null : firstToken - receivedAtUs)
        .setDurationUs(completedAtUs - receivedAtUs)
        .setRequestBytes(requestBytes)
        .setResponseBytes(responseBytes)
        .setInputTokens(facts.inputTokens())
        .setCacheReadInputTokens(facts.cacheReadInputTokens())
        .setCacheWriteInputTokens(facts.cacheWriteInputTokens())
        .setCacheWrite1hInputTokens(facts.cacheWrite1hInputTokens())
        .setOutputTokens(facts.outputTokens())
        .setReasoningTokens(facts.reasoningTokens())
        // An estimate, when one is needed, replaces the counts and the source once counted.
        .setUsageSource(facts.usageReported() ? "reported" : "none")
        .setServiceTier(tier)
        .setUser(attribution.user())
        .setTeam(attribution.team())
        .setService(attribution.service())
        .setEnvironment(attribution.environment())
        .setTags(Map.copyOf(attribution.tags()))
        .setKeyFingerprint(edge.fingerprinter.fingerprint(request.headers(), query))
        .setTraceId(attribution.traceId())
        .setSpanId(attribution.spanId())
        .setEdgeInstance(edge.config.instanceId())
        .build();
  }
}
