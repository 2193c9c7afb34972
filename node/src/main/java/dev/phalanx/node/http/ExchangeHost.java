package dev.phalanx.node.http;

/**
 * What a {@link ProxyExchange} needs of the downstream connection it runs on. The exchange owns this interface and
 * {@link ProxyHandler} implements it, so the exchange never reaches into the handler.
 */
interface ExchangeHost {
    /** Stops reading the downstream connection while {@code reason} holds. */
    void pause(PauseReason reason);

    /** {@code reason} no longer holds; reading resumes when no other does. */
    void resume(PauseReason reason);

    /** Makes sure the connection's ticker runs: it calls {@link ProxyExchange#onTick} while the exchange lives. */
    void ensureTicking();

    /** Closes the downstream connection now (a response that cannot be finished, or an error mid-response). */
    void closeConnection();

    /**
     * The exchange's request and response both ended.
     *
     * @param keepAlive whether the connection may carry another request
     */
    void exchangeDone(ProxyExchange exchange, boolean keepAlive);

    /** On an HTTP/2 stream rather than an HTTP/1 connection: a request without Content-Length may have a body. */
    boolean onStream();

    /** The protocol for the access log. */
    String protocol(boolean http10);
}
