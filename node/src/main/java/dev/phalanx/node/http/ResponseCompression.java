package dev.phalanx.node.http;

import dev.phalanx.node.compression.BodyEncoder;
import dev.phalanx.node.compression.CompressionPolicy;
import dev.phalanx.node.compression.ContentCoding;
import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Compression of one response on its way downstream (docs/compression.md). {@link #begin} asks the route's
 * {@link CompressionPolicy} and, when the body is to be compressed, rewrites the head: {@code Content-Encoding} set,
 * {@code Content-Length} and {@code Accept-Ranges} removed (the downstream framing becomes chunked on HTTP/1.1, plain
 * DATA frames on HTTP/2), a strong {@code ETag} made weak (the bytes differ from the origin's), and
 * {@code Accept-Encoding} merged into {@code Vary} (also for a candidate sent uncompressed, so a cache downstream
 * keeps the variants apart). Then each body piece is passed through {@link #encode}. Event-loop only; one per
 * compressed response; {@link #close} releases the coder on every ending.
 */
final class ResponseCompression {
    private static final Logger LOG = Logger.getLogger(ResponseCompression.class.getName());
    private static final String ACCEPT_ENCODING = "Accept-Encoding";

    private final BodyEncoder encoder;
    private final ByteBufAllocator alloc;
    private long bytesIn;
    private long bytesOut;

    private ResponseCompression(BodyEncoder encoder, ByteBufAllocator alloc) {
        this.encoder = encoder;
        this.alloc = alloc;
    }

    /** @return the compression to apply to the body, or null when it goes as it is (the head may have a new Vary) */
    static ResponseCompression begin(CompressionPolicy policy, HttpRequest request, HttpResponse head,
                                     ByteBufAllocator alloc) {
        ContentCoding coding = policy.decide(request.method(), request.headers(), head);
        if (coding == null) {
            return null;
        }
        HttpHeaders h = head.headers();
        varyOnAcceptEncoding(h);
        if (coding == ContentCoding.IDENTITY) {
            return null;
        }
        BodyEncoder encoder;
        try {
            encoder = BodyEncoder.of(coding, policy.level(coding), alloc);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "a " + coding.token() + " encoder could not start; the response goes uncompressed",
                    e);
            return null;
        }
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        h.remove(HttpHeaderNames.ACCEPT_RANGES);
        h.remove(HttpHeaderNames.CONTENT_ENCODING); // "identity", if anything
        h.set(HttpHeaderNames.CONTENT_ENCODING, coding.header());
        String etag = h.get(HttpHeaderNames.ETAG);
        if (etag != null && etag.startsWith("\"")) {
            h.set(HttpHeaderNames.ETAG, "W/" + etag);
        }
        return new ResponseCompression(encoder, alloc);
    }

    /** Adds {@code Accept-Encoding} to {@code Vary} unless it is there already or {@code Vary} is {@code *}. */
    static void varyOnAcceptEncoding(HttpHeaders h) {
        List<String> vary = h.getAll(HttpHeaderNames.VARY);
        if (vary.isEmpty()) {
            h.set(HttpHeaderNames.VARY, ACCEPT_ENCODING);
            return;
        }
        StringBuilder merged = new StringBuilder();
        for (String line : vary) {
            for (String token : line.split(",")) {
                String t = token.trim();
                if (t.equals("*") || t.toLowerCase(Locale.ROOT).equals("accept-encoding")) {
                    return;
                }
                if (!t.isEmpty()) {
                    merged.append(merged.length() == 0 ? "" : ", ").append(t);
                }
            }
        }
        merged.append(merged.length() == 0 ? "" : ", ").append(ACCEPT_ENCODING);
        h.set(HttpHeaderNames.VARY, merged.toString());
    }

    ContentCoding coding() {
        return encoder.coding();
    }

    long bytesIn() {
        return bytesIn;
    }

    long bytesOut() {
        return bytesOut;
    }

    /**
     * The compressed form of one body piece; the piece's buffer is taken (released on every path), its trailers kept.
     *
     * @throws RuntimeException when the coder fails; the encoder is closed then and the response cannot go on
     */
    HttpContent encode(HttpContent content, boolean last) {
        ByteBuf in = content.content();
        bytesIn += in.readableBytes();
        ByteBuf out = encoder.encode(in);
        if (last) {
            ByteBuf end;
            try {
                end = encoder.finish();
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
            out = join(out, end);
        }
        bytesOut += out.readableBytes();
        return last ? new DefaultLastHttpContent(out, ((LastHttpContent) content).trailingHeaders())
                : new DefaultHttpContent(out);
    }

    private ByteBuf join(ByteBuf a, ByteBuf b) {
        if (!b.isReadable()) {
            b.release();
            return a;
        }
        if (!a.isReadable()) {
            a.release();
            return b;
        }
        CompositeByteBuf both = alloc.compositeBuffer(2);
        both.addComponent(true, a);
        both.addComponent(true, b);
        return both;
    }

    /** Counts the finished response in the compression meters. */
    void record(Meters meters, String routeId) {
        meters.compressed(routeId, encoder.coding().token(), bytesIn, bytesOut);
    }

    /** Releases the coder (a response that ended early); harmless after the last piece. */
    void close() {
        encoder.close();
    }
}
