package dev.phalanx.node.http;

/**
 * Names of the downstream pipeline's handlers, in pipeline order:
 * <ol>
 *   <li>{@link #CONNECTION_LIMIT} caps open connections, {@link #IDLE} closes idle ones</li>
 *   <li>{@link #PROXY_PROTOCOL} (listeners with {@code proxyProtocol: true}) decodes PROXY v1/v2 from trusted peers</li>
 *   <li>{@link #TLS} (TLS listeners): first the SNI handler, which replaces itself with the TLS handler of the
 *       certificate the client named; {@link #TLS_HANDSHAKE} waits for the handshake, then adds the handlers below
 *       for the ALPN protocol (http/1.1) and leaves</li>
 *   <li>{@link #H2C_DETECT} (plain listeners with {@code h2c: true}) reads the first bytes and puts either the
 *       HTTP/2 handlers (the client sent the HTTP/2 connection preface) or the HTTP/1.1 handlers in its place</li>
 * </ol>
 * HTTP/1.1:
 * <ol>
 *   <li>{@link #RAW_GUARD} checks the raw request head bytes (bare CR/LF, obs-fold) before the decoder sees them</li>
 *   <li>{@link #REQUEST_DEADLINE} the slow-client deadlines: request head time, request body rate (408)</li>
 *   <li>{@link #HTTP_CODEC} the HTTP/1.1 server codec</li>
 *   <li>{@link #HSTS} (TLS listeners with {@code tls.hsts}) adds Strict-Transport-Security to responses</li>
 *   <li>{@link #REQUEST_VALIDATOR} rejects smuggling shapes and malformed heads (400/431)</li>
 *   <li>{@link #PROXY} the proxy handler: one {@code ProxyExchange} per request</li>
 * </ol>
 * HTTP/2 (h2c with prior knowledge, or h2 by ALPN): on the connection
 * <ol>
 *   <li>{@link #HTTP2_FLUSH} one socket write for the responses that ended in the same event-loop turn</li>
 *   <li>{@link #HTTP2_DEADLINE} watches frame boundaries in the raw bytes: a frame or header block that stalls, and
 *       streams whose request body is too slow (the slow-client deadlines)</li>
 *   <li>{@link #HTTP2_CODEC} frames, settings, flow control and the abuse limits ({@code Http2Codecs})</li>
 *   <li>{@link #HTTP2_MULTIPLEX} one child channel per stream, on the connection's event loop</li>
 *   <li>{@link #HTTP2_CONNECTION} idle close and drain (GOAWAY)</li>
 * </ol>
 * and on each stream's child channel
 * <ol>
 *   <li>{@link #HTTP2_STREAM_CODEC} stream frames to and from HTTP/1.1 objects</li>
 *   <li>{@link #HTTP2_STREAM_BODY_WATCH} counts the request body for the connection's body-rate check</li>
 *   <li>{@link #HTTP2_STREAM_ADAPTER} request and interim response shapes</li>
 *   <li>{@link #REQUEST_VALIDATOR}, {@link #PROXY} as for HTTP/1.1 (the proxy handler in stream mode)</li>
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
    public static final String REQUEST_DEADLINE = "request-deadline";
    public static final String HTTP2_DEADLINE = "http2-deadline";
    public static final String HTTP_CODEC = "http-codec";
    public static final String REQUEST_VALIDATOR = "request-validator";
    public static final String PROXY = "proxy";
    public static final String H2C_DETECT = "h2c-detect";
    public static final String HTTP2_FLUSH = "http2-flush";
    public static final String HTTP2_CODEC = "http2-codec";
    public static final String HTTP2_MULTIPLEX = "http2-multiplex";
    public static final String HTTP2_CONNECTION = "http2-connection";
    public static final String HTTP2_STREAM_CODEC = "http2-stream-codec";
    public static final String HTTP2_STREAM_ADAPTER = "http2-stream-adapter";
    public static final String HTTP2_STREAM_BODY_WATCH = "http2-stream-body-watch";

    private PipelineNames() {
    }
}
