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
import io.netty.handler.codec.http.EmptyHttpHeaders;
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
  private final String eventId = EventIds.next();
  private final long receivedAtUs;
  /** Null for unmetered operations (models lists, files…): nothing is counted for them. */
  private final UsageEstimator estimator;
  private final RequestBodySniffer sniffer;
  private final ResponseFacts facts;
  private final ArrayDeque<HttpContent> pendingRequestContent = new ArrayDeque<>(2);
  /** The chat request body while it is held to add include_usage (null otherwise). */
  private ByteBuf heldBody;
  /** The chat request body is being held (to add include_usage); {@link #heldBody} is its bytes so far. */
  private boolean holdingBody;
  /** {@link #heldBody} is a composite of this exchange's own making (more than one chunk came). */
  private boolean heldComposite;
  private int injectedContentLength = -1;
  private UsageChunkFilter usageFilter;

  private Channel origin;
  private OriginResponseReceiver originReceiver;
  private ResponseObserver observer = ResponseObserver.NONE;
  /**
   * The upstream read timeout: armed while a response part is awaited, moved by each read. The
   * client connection's, shared by its exchanges one after another, so a call schedules no timer.
   */
  private final MovingDeadline readTimeout;
  private boolean originReadPending;

  private boolean requestReceived;
  private boolean requestSent;
  private boolean responseStarted;
  private boolean skippingInformational;
  private boolean upstreamResponseComplete;
  private boolean upstreamKeepAlive;
  private boolean originReused;
  private boolean streamResponse;
  /** The response head was written to the client but not flushed yet (see {@link #onResponseHead}). */
  private boolean clientFlushPending;
  private boolean closeClientAfter;
  private boolean finished;

  private long requestBytes;
  private long responseBytes;
  private Long upstreamFirstByteUs;
  private int status;
  private String outcome;
  private String errorType;
  /** Read from the request headers before they are filtered for the upstream (null until then). */
  private Attribution attribution;
  private String keyFingerprint;
  private boolean fingerprinted;

  ProxyExchange(ClientRequestReceiver receiver, ChannelHandlerContext ctx, EdgeContext edge, EdgeContext.Route route,
                HttpRequest request, String path, String query, MovingDeadline readTimeout) {
    this.receiver = receiver;
    this.ctx = ctx;
    this.readTimeout = readTimeout;
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
      holdingBody = true;
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

  /** The request to send upstream: the client's, its headers filtered in place (read what the event needs first). */
  private HttpRequest upstreamRequest() {
    String uri = route.basePath() + path + (query == null ? "" : "?" + query);
    // Read before the filter drops Transfer-Encoding (hop-by-hop); only a body without a length needs it.
    boolean chunked = !request.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
        && HttpUtil.isTransferEncodingChunked(request);
    attribution();
    keyFingerprint();
    HttpHeaders headers = ForwardedHeaders.toUpstream(request.headers(), route.hostHeader());
    if (injectedContentLength >= 0) {
      headers.setInt(HttpHeaderNames.CONTENT_LENGTH, injectedContentLength);
    }
    if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && chunked) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, headers);
  }

  /** Who the call is charged to, read once from the client's headers (before they are filtered). */
  private Attribution attribution() {
    if (attribution == null) {
      attribution = Attribution.from(request.headers(), edge.config.defaultTenant());
    }
    return attribution;
  }

  /** The credential's fingerprint, computed once from the client's headers (before they are filtered); never the key. */
  private String keyFingerprint() {
    if (!fingerprinted) {
      keyFingerprint = edge.fingerprinter.fingerprint(request.headers(), query);
      fingerprinted = true;
    }
    return keyFingerprint;
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
    if (last) {
      requestReceived = true;
      sniffer.onLastBody(content.content());
    } else {
      sniffer.onBody(content.content());
    }
    if (holdingBody) {
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
    ByteBuf part = content.content().retain();
    content.release();
    if (heldBody == null) {
      heldBody = part; // most bodies come in one chunk: held as is, no composite
    } else {
      if (!heldComposite) {
        heldBody = ctx.alloc().compositeBuffer().addComponent(true, heldBody);
        heldComposite = true;
      }
      ((CompositeByteBuf) heldBody).addComponent(true, part);
    }
    if (!last) {
      ctx.read();
      return;
    }
    ByteBuf body = heldBody;
    heldBody = null;
    holdingBody = false;
    if (sniffer.readWhole() && !sniffer.stream()) {
      // Valid JSON that asks for no stream: nothing to add, so no copy and no second parse.
      pendingRequestContent.add(new DefaultLastHttpContent(body, EmptyHttpHeaders.INSTANCE));
      connect();
      return;
    }
    byte[] original = ByteBufUtil.getBytes(body);
    body.release();
    byte[] rewritten = StreamUsageInjection.rewrite(original);
    if (rewritten != null) {
      injectedContentLength = rewritten.length;
    }
    pendingRequestContent.add(new DefaultLastHttpContent(Unpooled.wrappedBuffer(rewritten != null ? rewritten : original),
        EmptyHttpHeaders.INSTANCE));
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
    readTimeout.arm(edge.config.upstreamReadTimeout().toNanos());
  }

  /** The upstream read timeout passed (called by the client connection's deadline while this exchange is its current one). */
  void onReadTimeout() {
    if (finished || !originReadPending) {
      return;
    }
    log.debug("upstream read timed out: provider={}, origin={}", route.provider().name(), route.origin());
    abort(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout", "upstream did not respond in time", "timeout");
  }

  @Override
  public void onOriginMessage(Object message) {
    originReadPending = false;
    readTimeout.disarm();
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

    HttpHeaders headers = ForwardedHeaders.toClient(upstreamHeaders); // in place: read above what is needed
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
    // Not flushed alone: the body usually came in the same upstream read, and head and body then
    // leave in one write (one system call, one segment for the client to wake up for). Whatever
    // the read brought, the head is flushed by the end of it (onOriginReadComplete), so a stream's
    // head is not held back waiting for its first event.
    ctx.write(toClient).addListener(this::onResponsePartWritten);
    clientFlushPending = true;
  }

  @Override
  public void onOriginReadComplete() {
    flushClient();
  }

  private void flushClient() {
    if (clientFlushPending) {
      clientFlushPending = false;
      ctx.flush();
    }
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
    if (last) {
      observer.onLastBody(content.content());
    } else {
      observer.onBody(content.content());
    }
    if (usageFilter != null) {
      content = filterUsageChunk(content, last);
      if (content == null) {
        readOrigin(); // only part of an event arrived: nothing to forward yet
        return;
      }
    }
    if (last) {
      upstreamResponseComplete = true;
      if (!streamResponse && status >= 200 && status < 300) {
        facts.bodyComplete(edge.clockMicros.getAsLong());
      }
      clientFlushPending = false; // flushed with the content
      ctx.writeAndFlush(content).addListener(this::onResponseLastWritten);
    } else {
      clientFlushPending = false;
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
    return new DefaultLastHttpContent(forward, EmptyHttpHeaders.INSTANCE);
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
    flushClient(); // what was written goes out before the cut
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
    readTimeout.disarm();
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
    readTimeout.disarm();
    HttpContent pending;
    while ((pending = pendingRequestContent.poll()) != null) {
      pending.release();
    }
    holdingBody = false;
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
    Attribution attribution = attribution();
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
    // Set field by field on the record, not through a builder: a builder copies the schema's field
    // list and checks every value on each call. Every field is set here (no schema default is
    // relied on), and a null in a required field still fails, when the event is encoded.
    InvocationEvent event = new InvocationEvent();
    event.setEventId(eventId);
    event.setTenant(attribution.tenant());
    event.setProviderName(route.provider().name());
    event.setProtocol(route.adapter().protocol());
    event.setOperationName(operation);
    event.setHttpMethod(request.method().name());
    event.setPathTemplate(route.adapter().pathTemplate(path));
    event.setRequestModel(requestModel);
    event.setResponseModel(facts.responseModel());
    event.setResponseId(facts.responseId());
    event.setStream(upstreamFirstByteUs != null ? streamResponse : sniffer.stream());
    event.setStatusCode(status);
    event.setErrorType(error);
    event.setResponseFinishReasons(List.copyOf(facts.finishReasons()));
    event.setOutcome(outcome);
    event.setReceivedAtUs(receivedAtUs);
    event.setUpstreamFirstByteAtUs(upstreamFirstByteUs);
    event.setFirstTokenAtUs(firstToken);
    event.setCompletedAtUs(completedAtUs);
    event.setTtftUs(firstToken == null ? null : firstToken - receivedAtUs);
    event.setDurationUs(completedAtUs - receivedAtUs);
    event.setRequestBytes(requestBytes);
    event.setResponseBytes(responseBytes);
    event.setInputTokens(facts.inputTokens());
    event.setCacheReadInputTokens(facts.cacheReadInputTokens());
    event.setCacheWriteInputTokens(facts.cacheWriteInputTokens());
    event.setCacheWrite1hInputTokens(facts.cacheWrite1hInputTokens());
    event.setOutputTokens(facts.outputTokens());
    event.setReasoningTokens(facts.reasoningTokens());
    // An estimate, when one is needed, replaces the counts and the source once counted.
    event.setUsageSource(facts.usageReported() ? "reported" : "none");
    event.setServiceTier(tier);
    event.setUser(attribution.user());
    event.setTeam(attribution.team());
    event.setService(attribution.service());
    event.setEnvironment(attribution.environment());
    event.setTags(Map.copyOf(attribution.tags()));
    event.setKeyFingerprint(keyFingerprint());
    event.setTraceId(attribution.traceId());
    event.setSpanId(attribution.spanId());
    event.setEdgeInstance(edge.config.instanceId());
    return event;
  }
}
