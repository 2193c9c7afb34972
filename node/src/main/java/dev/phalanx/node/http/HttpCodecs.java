package dev.phalanx.node.http;

import dev.phalanx.node.upstream.CompactTrailers;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Builds the downstream HTTP/1.1 handlers exactly as the smuggling corpus tests them. Pipeline order (names in
 * {@link PipelineNames}):
 * <pre>
 *   RAW_GUARD          {@link #rawGuard()}                  per connection
 *   REQUEST_DEADLINE   {@link Http1Deadlines}               per connection (reads the guard's scanner)
 *   HTTP_CODEC         {@link #serverCodec(int)}            per connection
 *   REQUEST_VALIDATOR  {@code new RequestValidator(meters)}  per connection
 *   PROXY
 * </pre>
 * All three are needed: Netty's decoder folds obs-fold lines silently and drops {@code Content-Length} when
 * {@code Transfer-Encoding} is present, so the raw guard sees those in the bytes; the validator maps decoder
 * failures to statuses and checks what needs the parsed request (Host, target, version).
 *
 * <p>When a request is switched to another protocol (101 to an {@code Upgrade}), remove RAW_GUARD and
 * REQUEST_VALIDATOR first and HTTP_CODEC last: removing the codec hands the bytes it still buffers to the next
 * handler.
 */
public final class HttpCodecs {
    /** The request line bound: longer request lines get 414. */
    public static final int MAX_REQUEST_LINE_BYTES = 8192;
    /** The largest body piece the decoder emits at once. */
    public static final int MAX_CONTENT_PIECE_BYTES = 16384;

    private HttpCodecs() {
    }

    /** The decoder settings: strict line ends, no duplicate Content-Length, RFC 9112 Transfer-Encoding rules. */
    public static HttpDecoderConfig decoderConfig(int maxHeaderBytes) {
        if (maxHeaderBytes <= 0) {
            throw new IllegalArgumentException("limits.maxHeaderBytes: " + maxHeaderBytes + " is not a positive size");
        }
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE_BYTES)
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxChunkSize(MAX_CONTENT_PIECE_BYTES)
                .setChunkedSupported(true)
                // stream body bytes as they arrive rather than waiting for a whole chunk
                .setAllowPartialChunks(true)
                .setAllowDuplicateContentLengths(false)
                // RAW_GUARD already checked every field name (tchar) and value (no control characters but HTAB)
                // byte by byte; Netty's own check per header added was a measurable part of each request's cost
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false))
                .setTrailersFactory(new CompactTrailers(DefaultHttpHeadersFactory.trailersFactory().withValidation(false)))
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true);
    }

    /** The downstream server codec; {@code maxHeaderBytes} is {@code limits.maxHeaderBytes} (431 past it). */
    public static HttpServerCodec serverCodec(int maxHeaderBytes) {
        return new HttpServerCodec(decoderConfig(maxHeaderBytes));
    }

    /** The raw-byte guard that goes right before the codec. */
    public static RawRequestGuard rawGuard() {
        return new RawRequestGuard();
    }
}
