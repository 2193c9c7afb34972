package dev.phalanx.node.http;

import dev.phalanx.node.cache.CachedResponse;
import dev.phalanx.node.cache.ResponseStore;
import dev.phalanx.node.compression.CompressionPolicy;
import dev.phalanx.node.compression.ContentCoding;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Date;

/**
 * A stored response as it goes to one client: a copy of the stored fields with {@code Age} and {@code Cache-Status},
 * a {@code 304} when the client's own validators match, and the body in the coding the client accepts. Compressed
 * variants are made once and kept with the stored object ({@code VariantEncoder}: small bodies at once, larger ones
 * off the event loop while the identity body goes meanwhile): the encoder runs once per variant, never per hit. Bodies are retained slices of the stored buffers (no copy).
 */
record StoredReply(HttpResponse head, ByteBuf body) {
    private static final DefaultHttpHeadersFactory UNVALIDATED =
            DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    /**
     * @param request     the client's request fields (validators, {@code Accept-Encoding})
     * @param cacheStatus the {@code Cache-Status} value
     */
    static StoredReply of(CachedResponse stored, HttpMethod method, HttpHeaders request, String cacheStatus,
                          CompressionPolicy compression, ResponseStore store, long now) {
        // the stored fields were checked when they came from the upstream: no second validation per hit
        HttpHeaders h = UNVALIDATED.newHeaders().set(stored.headers());
        h.set(HttpHeaderNames.AGE, Long.toString(stored.ageSeconds(now)));
        h.set(ExchangeCache.CACHE_STATUS, cacheStatus);
        h.remove(ExchangeCache.SURROGATE_CONTROL);
        if (!h.contains(HttpHeaderNames.DATE)) {
            h.set(HttpHeaderNames.DATE, DateFormatter.format(new Date(now)));
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(stored.status()),
                h);
        if (stored.status() == 200 && notModified(stored, request)) {
            head.setStatus(HttpResponseStatus.NOT_MODIFIED);
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
            return new StoredReply(head, null);
        }
        if (stored.status() == 200 && method == HttpMethod.GET && request.contains(HttpHeaderNames.RANGE)
                && !request.contains(HttpHeaderNames.IF_RANGE)) {
            StoredReply partial = range(stored, head, request.get(HttpHeaderNames.RANGE));
            if (partial != null) {
                return partial;
            }
        }
        ContentCoding coding = compression.decide(method, request, head);
        ByteBuf body = null;
        if (coding != null) {
            ResponseCompression.varyOnAcceptEncoding(h);
        }
        if (coding != null && coding != ContentCoding.IDENTITY) {
            ByteBuf variant = store.variant(stored, coding, compression.level(coding));
            if (variant != null) {
                h.remove(HttpHeaderNames.ACCEPT_RANGES);
                h.set(HttpHeaderNames.CONTENT_ENCODING, coding.header());
                h.set(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(variant.readableBytes()));
                String etag = h.get(HttpHeaderNames.ETAG);
                if (etag != null && etag.startsWith("\"")) {
                    h.set(HttpHeaderNames.ETAG, "W/" + etag);
                }
                body = variant;
            }
        }
        if (method == HttpMethod.HEAD) {
            if (body != null) {
                body.release();
            }
            return new StoredReply(head, null);
        }
        return new StoredReply(head, body != null ? body : stored.body());
    }

    /**
     * A single byte range of the stored body (RFC 9110 §14): {@code 206} with its slice, or {@code 416} when it
     * starts past the end; null when the field is not one range this answers (then the whole body goes, as §14.2
     * allows).
     */
    private static StoredReply range(CachedResponse stored, HttpResponse head, String field) {
        String spec = field.trim();
        if (!spec.startsWith("bytes=") || spec.indexOf(',') >= 0) {
            return null;
        }
        String r = spec.substring(6).trim();
        int dash = r.indexOf('-');
        long length = stored.bodyLength();
        long first;
        long last;
        try {
            if (dash < 0) {
                return null;
            } else if (dash == 0) {
                long suffix = Long.parseLong(r.substring(1));
                if (suffix <= 0) {
                    return null;
                }
                first = Math.max(0, length - suffix);
                last = length - 1;
            } else {
                first = Long.parseLong(r.substring(0, dash));
                last = dash == r.length() - 1 ? length - 1 : Math.min(length - 1, Long.parseLong(r.substring(dash + 1)));
                if (last < first && first < length) {
                    return null;
                }
            }
        } catch (NumberFormatException e) {
            return null;
        }
        HttpHeaders h = head.headers();
        if (first >= length) {
            head.setStatus(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
            h.set(HttpHeaderNames.CONTENT_LENGTH, "0");
            return new StoredReply(head, null);
        }
        head.setStatus(HttpResponseStatus.PARTIAL_CONTENT);
        h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + length);
        h.set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(last - first + 1));
        ByteBuf body = stored.body();
        ByteBuf part = body.retainedSlice(body.readerIndex() + (int) first, (int) (last - first + 1));
        body.release();
        return new StoredReply(head, part);
    }

    /** The client's validators match the stored response (RFC 9110 §13.1.2, §13.1.3; weak comparison for ETags). */
    static boolean notModified(CachedResponse stored, HttpHeaders request) {
        String inm = request.get(HttpHeaderNames.IF_NONE_MATCH);
        if (inm != null) {
            String etag = stored.etag();
            if (etag == null) {
                return false;
            }
            String mine = weak(etag);
            for (String tag : inm.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || weak(t).equals(mine)) {
                    return true;
                }
            }
            return false;
        }
        String ims = request.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        String lm = stored.lastModified() != null ? stored.lastModified()
                : stored.headers().get(HttpHeaderNames.DATE); // RFC 9110 §13.1.3: the Date when there is none
        if (ims == null || lm == null) {
            return false;
        }
        Date since = DateFormatter.parseHttpDate(ims);
        Date modified = DateFormatter.parseHttpDate(lm);
        return since != null && modified != null && !modified.after(since);
    }

    private static String weak(String etag) {
        return etag.startsWith("W/") ? etag.substring(2) : etag;
    }
}
