package dev.phalanx.cluster.model;

import java.time.Duration;
import java.util.List;

/**
 * The response cache of a route (docs/cache.md): an RFC 9111 shared cache, off unless the route has a {@code cache}
 * section. {@code maxObjectBytes}: the largest body stored (a bigger one passes through, never buffered).
 * {@code methods}: the request methods answered from the cache ({@code GET}, {@code HEAD}; a {@code HEAD} is answered
 * from a stored {@code GET}). {@code statuses}: the response statuses that may be stored; empty = every final
 * status the RFC lets a cache store (with explicit freshness; heuristic freshness only for
 * {@link #HEURISTIC_STATUSES}). {@code keyHeaders} (lower case) and {@code keyCookies}: request headers and cookies
 * added to the key. {@code staleWhileRevalidate} and {@code staleIfError}: how long past its freshness an object may
 * be served while it is refreshed in the background, or when the upstream fails, when the response itself does not
 * say ({@code 0s} = only what the response says). {@code tagHeaders}: the response headers whose space- or
 * comma-separated words tag the object for purges. {@code coalesceWait}: how long concurrent misses for one key wait
 * for the first one's response ({@code 0s} = no coalescing).
 */
public record CacheSpec(long maxObjectBytes, List<String> methods, List<Integer> statuses, List<String> keyHeaders,
                        List<String> keyCookies, Duration staleWhileRevalidate, Duration staleIfError,
                        List<String> tagHeaders, Duration coalesceWait) {
    public static final long DEFAULT_MAX_OBJECT_BYTES = 8L * 1024 * 1024;
    public static final List<String> METHODS = List.of("GET", "HEAD");
    /** The statuses RFC 9110 §15.1 calls heuristically cacheable, but 206 (partial content is never stored). */
    public static final List<Integer> HEURISTIC_STATUSES =
            List.of(200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501);
    public static final List<String> DEFAULT_TAG_HEADERS = List.of("surrogate-key", "cache-tag");
    public static final Duration DEFAULT_COALESCE_WAIT = Duration.ofSeconds(5);

    public static final CacheSpec DEFAULT = new CacheSpec(DEFAULT_MAX_OBJECT_BYTES, METHODS, List.of(), List.of(),
            List.of(), Duration.ZERO, Duration.ZERO, DEFAULT_TAG_HEADERS, DEFAULT_COALESCE_WAIT);

    public CacheSpec {
        methods = List.copyOf(methods);
        statuses = List.copyOf(statuses);
        keyHeaders = List.copyOf(keyHeaders);
        keyCookies = List.copyOf(keyCookies);
        tagHeaders = List.copyOf(tagHeaders);
    }
}
