package dev.tollgate.fake;

/**
 * One provider's HTTP API as the fake serves it: routes, authentication, response and stream
 * shapes, error bodies and headers. Implementations are stateless.
 *
 * <p>Implementations are thread-safe; each call runs on the exchange's event loop.
 */
interface Protocol {

  /** Whether this protocol answers the request; the first protocol that claims it wins. */
  boolean claims(Exchange exchange);

  /** Answers with a 400 in this provider's error shape, for a bad {@code x-fake-*} header. */
  void rejectControls(Exchange exchange, String message);

  /** Answers the request; exchange.controls() holds the parsed control headers. */
  void serve(Exchange exchange);
}
