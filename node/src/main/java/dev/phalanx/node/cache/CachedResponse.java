package dev.phalanx.node.cache;

import dev.phalanx.node.compression.ContentCoding;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.IllegalReferenceCountException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One stored response: status, header fields (hop-by-hop fields and {@code Age} removed), the identity body as one
 * pooled buffer, and the compressed variants made from it on first need ({@link #encoded}, {@link #addEncoded}).
 * Immutable but for the variants; shared by every event loop. Reference counted: the store holds one reference,
 * each hit takes one with {@link #tryRetain} just long enough to take {@code retainedSlice()}s of the bodies (no copy
 * per hit), so eviction on another thread never frees a body that is being written. The bodies are released when the
 * last reference goes.
 *
 * <p>Times are wall-clock milliseconds: {@code responseTime} when the response (or the 304 that refreshed it)
 * arrived, {@code correctedInitialAge} as RFC 9111 §4.2.3 computes it, {@code lifetime} its freshness lifetime.
 */
public final class CachedResponse extends AbstractReferenceCounted implements Stored {
    private static final int HEADER_OVERHEAD = 256;

    private final String url;
    private final int status;
    private final HttpHeaders headers;
    private final ByteBuf body;
    private final AtomicReferenceArray<ByteBuf> encoded = new AtomicReferenceArray<>(ContentCoding.values().length);
    private final long responseTime;
    private final long correctedInitialAge;
    private final Freshness freshness;
    private final Set<String> tags;
    private final int headerBytes;
    private final java.util.concurrent.atomic.AtomicBoolean dropped = new java.util.concurrent.atomic.AtomicBoolean();
    /** The index key it is stored under, set when it is stored. */
    private volatile String key;

    public CachedResponse(String url, int status, HttpHeaders headers, ByteBuf body, long responseTime,
                   long correctedInitialAge, Freshness freshness, Set<String> tags) {
        this.url = url;
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.responseTime = responseTime;
        this.correctedInitialAge = correctedInitialAge;
        this.freshness = freshness;
        this.tags = tags;
        int n = HEADER_OVERHEAD + url.length();
        for (Map.Entry<String, String> e : headers) {
            n += e.getKey().length() + e.getValue().length() + 32;
        }
        this.headerBytes = n;
    }

    String key() {
        return key;
    }

    void key(String k) {
        key = k;
    }

    public String url() {
        return url;
    }

    public int status() {
        return status;
    }

    /** The stored fields; never modify them (copy first). */
    public HttpHeaders headers() {
        return headers;
    }

    public Freshness freshness() {
        return freshness;
    }

    public Set<String> tags() {
        return tags;
    }

    public long bodyLength() {
        return body.readableBytes();
    }

    /** The current age in milliseconds (§4.2.3). */
    public long ageMillis(long now) {
        return correctedInitialAge + Math.max(0, now - responseTime);
    }

    /** The {@code Age} header value: whole seconds. */
    public long ageSeconds(long now) {
        return ageMillis(now) / 1000;
    }

    public String etag() {
        return headers.get(HttpHeaderNames.ETAG);
    }

    public String lastModified() {
        return headers.get(HttpHeaderNames.LAST_MODIFIED);
    }

    /** A reference for one hit, or false when the object was dropped meanwhile (then it is a miss). */
    public boolean tryRetain() {
        try {
            retain();
            return true;
        } catch (IllegalReferenceCountException e) {
            return false;
        }
    }

    /** The identity body for one response: a retained slice, released by whoever writes it. Hold a reference. */
    public ByteBuf body() {
        return body.retainedSlice();
    }

    /** The stored {@code coding} variant as a retained slice, or null when it was not made yet. Hold a reference. */
    public ByteBuf encoded(ContentCoding coding) {
        ByteBuf b = encoded.get(coding.ordinal());
        return b == null ? null : b.retainedSlice();
    }

    /**
     * Keeps {@code variant} (taken) as the {@code coding} form of the body, unless another thread was first (then it
     * is released). Hold a reference.
     *
     * @return whether it was kept (the store then weighs the object again)
     */
    boolean addEncoded(ContentCoding coding, ByteBuf variant) {
        if (!encoded.compareAndSet(coding.ordinal(), null, variant)) {
            variant.release();
            return false;
        }
        if (refCnt() == 0) { // dropped meanwhile: deallocate ran before the variant was set
            ByteBuf b = encoded.getAndSet(coding.ordinal(), null);
            if (b != null) {
                b.release();
            }
        }
        return true;
    }

    /** The stored fields updated by a 304 (§4.3.4): each field of the 304 replaces the stored one, but framing. */
    public HttpHeaders merged(HttpHeaders notModified) {
        HttpHeaders merged = new DefaultHttpHeaders().set(headers);
        for (Map.Entry<String, String> e : notModified) {
            if (updates(e.getKey())) {
                merged.remove(e.getKey());
            }
        }
        for (Map.Entry<String, String> e : notModified) {
            if (updates(e.getKey())) {
                merged.add(e.getKey(), e.getValue());
            }
        }
        return merged;
    }

    /** Fields a 304 does not change: the ones that describe the stored body (its length, coding, range, digest, tag). */
    private static final Set<String> NOT_UPDATED = Set.of("content-length", "content-encoding", "content-range",
            "content-md5", "etag");

    private static boolean updates(String name) {
        return StoredFields.kept(name) && !NOT_UPDATED.contains(name.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * The same body with {@code fields} (from {@link #merged}), new times and freshness; the body and its variants
     * are shared, each retained once more. The caller owns the one reference of the result.
     */
    public CachedResponse refreshed(HttpHeaders fields, long responseTime, long correctedInitialAge,
                                    Freshness freshness, Set<String> tags) {
        CachedResponse r = new CachedResponse(url, status, fields, body.retain(), responseTime, correctedInitialAge,
                freshness, tags);
        for (ContentCoding c : ContentCoding.values()) {
            ByteBuf v = encoded.get(c.ordinal());
            if (v != null) {
                r.encoded.set(c.ordinal(), v.retain());
            }
        }
        return r;
    }

    @Override
    public int weight() {
        long n = headerBytes + (long) body.capacity();
        for (int i = 0; i < encoded.length(); i++) {
            ByteBuf b = encoded.get(i);
            n += b == null ? 0 : b.capacity();
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    /** Releases the store's reference, once however often the store (its listener, its close) says so. */
    @Override
    public void dropped() {
        if (dropped.compareAndSet(false, true)) {
            release();
        }
    }

    @Override
    protected void deallocate() {
        body.release();
        for (int i = 0; i < encoded.length(); i++) {
            ByteBuf b = encoded.getAndSet(i, null);
            if (b != null) {
                b.release();
            }
        }
    }

    @Override
    public CachedResponse touch(Object hint) {
        return this;
    }

    /** The tags of a response from the route's tag headers: words split at spaces and commas. */
    public static Set<String> tags(HttpHeaders h, List<String> tagHeaders) {
        if (tagHeaders.isEmpty()) {
            return Set.of();
        }
        java.util.HashSet<String> out = null;
        for (String name : tagHeaders) {
            for (String line : h.getAll(name)) {
                for (String t : line.split("[\\s,]+")) {
                    if (!t.isEmpty()) {
                        if (out == null) {
                            out = new java.util.HashSet<>();
                        }
                        out.add(t);
                    }
                }
            }
        }
        return out == null ? Set.of() : Set.copyOf(out);
    }
}
