package dev.phalanx.node.listener;

/**
 * Names of the downstream pipeline's handlers, in pipeline order:
 * <ol>
 *   <li>{@link #CONNECTION_LIMIT} caps open connections, {@link #IDLE} closes idle ones</li>
 *   <li>{@link #PROXY_PROTOCOL} (listeners with {@code proxyProtocol: true}) decodes PROXY v1/v2 from trusted peers</li>
 *   <li>{@link #TLS} (TLS listeners): first the SNI handler, which replaces itself with the TLS handler of the
 *       certificate the client named; {@link #TLS_HANDSHAKE} waits for the handshake, then adds the handlers below
 *       for the ALPN protocol (http/1.1) and leaves</li>
 *   <li>{@link #RAW_GUARD} checks the raw request head bytes (bare CR/LF, obs-fold) before the decoder sees them</li>
 *   <li>{@link #HTTP_CODEC} the HTTP/1.1 server codec</li>
 *   <li>{@link #HSTS} (TLS listeners with {@code tls.hsts}) adds Strict-Transport-Security to responses</li>
 *   <li>{@link #REQUEST_VALIDATOR} rejects smuggling shapes and malformed heads (400/431)</li>
 *   <li>{@link #PROXY} the proxy handler: one {@code ProxyExchange} per request</li>
 * </ol>
 */
public final class PipelineNames {
    public static final String CONNECTION_LIMIT = "connection-limit";
    public static final String IDLE = "idle";
    public static final String PROXY_PROTOCOL = "proxy-protocol";
    public static final String PROXY_PROTOCOL_HANDLER = "proxy-protocol-handler";
    public static final String TLS = "tls";
    public static final String TLS_HANDSHAKE = "tls-handshake";
    public static final String HSTS = "hsts";
    public static final String RAW_GUARD = "raw-guard";
    public static final String HTTP_CODEC = "http-codec";
    public static final String REQUEST_VALIDATOR = "request-validator";
    public static final String PROXY = "proxy";

    private PipelineNames() {
    }
}
