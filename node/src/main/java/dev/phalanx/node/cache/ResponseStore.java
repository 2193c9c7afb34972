package dev.phalanx.node.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.phalanx.node.metrics.Meters;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's response store: a Caffeine cache (W-TinyLFU) bounded by the bytes of what it holds
 * ({@code cache.maxBytes}), keyed as {@link CacheKeys} says, shared by every route with a cache and every event
 * loop. Lookups and stores are O(1) and never block (Caffeine's buffers; its maintenance and the removal listener run
 * on {@code executor}); dropped objects release their buffers there once no hit holds them. Also the node's
 * {@link PurgeTarget}: a purge walks the index (off the event loops) and drops what it names. Request coalescing
 * keeps the {@link Flight} of each URL being fetched.
 */
public final class ResponseStore implements PurgeTarget {
    private final Cache<String, Stored> index;
    private final ConcurrentHashMap<String, Flight> flights = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong();
    /** Moves at the start of every purge and clear: a fill that began before a purge is not stored after it. */
    private final AtomicLong purgeEpoch = new AtomicLong();
    private final Meters meters;
    private final VariantEncoder encoder = new VariantEncoder();

    public ResponseStore(long maxBytes, Meters meters) {
        this(maxBytes, meters, ForkJoinPool.commonPool());
    }

    /** @param executor where Caffeine's maintenance and removals run (tests: {@code Runnable::run}) */
    public ResponseStore(long maxBytes, Meters meters, Executor executor) {
        this.meters = meters;
        this.index = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String k, Stored v) -> v.weight() + 2 * k.length())
                .executor(executor)
                .removalListener(this::removed)
                .build();
        meters.cacheStore(this, ResponseStore::bytes, ResponseStore::objects);
    }

    private void removed(String key, Stored value, RemovalCause cause) {
        if (value == null) {
            return;
        }
        if (cause == RemovalCause.REPLACED && index.asMap().get(key) == value) {
            return; // the same object weighed again after a variant was added
        }
        value.dropped();
        if (cause.wasEvicted()) {
            meters.cacheEvicted();
        }
    }

    /**
     * The stored response for this request, with a reference the caller must release; null when there is none.
     *
     * @param request the request's fields as the client sent them (they pick the variant)
     */
    public CachedResponse find(String url, HttpHeaders request) {
        Stored s = index.getIfPresent(CacheKeys.base(url));
        if (s instanceof VaryMarker m) {
            s = index.getIfPresent(CacheKeys.variant(url, m, request));
        }
        return s instanceof CachedResponse r && r.tryRetain() ? r : null;
    }

    /**
     * Stores {@code response} (the store takes its reference) for the request whose fields are {@code request}.
     *
     * @param headers the request fields that select it (the response's {@code Vary} and the route's key headers,
     *                lower case, sorted), empty for none
     * @param cookies the route's key cookies
     */
    public void put(String url, List<String> headers, List<String> cookies, HttpHeaders request,
                    CachedResponse response) {
        put(url, headers, cookies, request, response, purgeEpoch.get());
    }

    /** The purge epoch now: a fill takes it when its request goes upstream and hands it to {@link #put}. */
    public long purgeEpoch() {
        return purgeEpoch.get();
    }

    /**
     * Stores {@code response} unless a purge or clear started since {@code epoch} (when the fill's request went
     * upstream): its response may predate the purge, and the purge could not remove what was not stored yet. Such a
     * fill is dropped (a purge costs the fills in flight at that moment). Insert first, check after: a purge that
     * moved the epoch before this insert either finds the object in its scan or is seen here.
     */
    public void put(String url, List<String> headers, List<String> cookies, HttpHeaders request,
                    CachedResponse response, long epoch) {
        String key = insert(url, headers, cookies, request, response);
        if (purgeEpoch.get() != epoch) {
            index.asMap().remove(key, response);
        }
    }

    private String insert(String url, List<String> headers, List<String> cookies, HttpHeaders request,
                          CachedResponse response) {
        String base = CacheKeys.base(url);
        if (headers.isEmpty() && cookies.isEmpty()) {
            response.key(base);
            index.put(base, response);
            return base;
        }
        Stored existing = index.getIfPresent(base);
        VaryMarker marker = existing instanceof VaryMarker m && m.headers().equals(headers)
                && m.cookies().equals(cookies) ? m : null;
        if (marker == null) {
            marker = new VaryMarker(List.copyOf(headers), List.copyOf(cookies), generations.incrementAndGet());
            index.put(base, marker);
        }
        String key = CacheKeys.variant(url, marker, request);
        response.key(key);
        index.put(key, response);
        return key;
    }

    /**
     * Keeps {@code variant} (taken) as the {@code coding} form of {@code response}'s body and weighs the object
     * again. Hold a reference to {@code response}.
     */
    public void addVariant(CachedResponse response, dev.phalanx.node.compression.ContentCoding coding,
                           io.netty.buffer.ByteBuf variant) {
        if (response.addEncoded(coding, variant)) {
            reweigh(response);
        }
    }

    /**
     * The {@code coding} variant of {@code stored}'s body as a retained slice: made now and kept with the object when
     * the body is small, else made on the encoder's thread (null now: send the identity body). Hold a reference.
     */
    public io.netty.buffer.ByteBuf variant(CachedResponse stored, dev.phalanx.node.compression.ContentCoding coding,
                                           int level) {
        io.netty.buffer.ByteBuf made = stored.encoded(coding);
        return made != null ? made : encoder.variant(stored, coding, level, this);
    }

    /** The object grew (a compressed variant was added): weigh it again, if it is still stored. */
    void reweigh(CachedResponse response) {
        String key = response.key();
        if (key != null) {
            index.asMap().replace(key, response, response);
        }
    }

    /** Drops what is stored for {@code url}: the object, or the marker (which makes every variant unreachable). */
    public void invalidate(String url) {
        index.invalidate(CacheKeys.base(url));
    }

    /**
     * Request coalescing: makes the caller the one request that goes upstream for {@code url}, or returns null when
     * another one already is (then {@link #flight} gives it to wait on).
     */
    public Flight takeOff(String url) {
        Flight f = new Flight();
        return flights.putIfAbsent(url, f) == null ? f : null;
    }

    public Flight flight(String url) {
        return flights.get(url);
    }

    /** The flight's request ended (its response stored or not): its waiters are woken. */
    public void land(String url, Flight flight) {
        flights.remove(url, flight);
        flight.end();
    }

    @Override
    public int apply(Purge purge) {
        purgeEpoch.incrementAndGet();
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, Stored> e : index.asMap().entrySet()) {
            String k = e.getKey();
            boolean match = switch (purge.kind()) {
                case URL -> k.startsWith(purge.value()) && k.length() > purge.value().length()
                        && k.charAt(purge.value().length()) == CacheKeys.SEP;
                case PREFIX -> k.startsWith(purge.value());
                case TAG -> e.getValue() instanceof CachedResponse r && r.tags().contains(purge.value());
            };
            if (match) {
                keys.add(k);
            }
        }
        int removed = 0;
        for (String k : keys) {
            Stored s = index.asMap().remove(k);
            if (s instanceof CachedResponse) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public int clear() {
        purgeEpoch.incrementAndGet();
        int n = 0;
        for (Stored s : index.asMap().values()) {
            if (s instanceof CachedResponse) {
                n++;
            }
        }
        index.invalidateAll();
        return n;
    }

    /** Drops everything and releases the buffers now, on this thread (the node stops). */
    public void close() {
        encoder.close();
        java.util.List<Stored> all = new java.util.ArrayList<>(index.asMap().values());
        index.invalidateAll();
        index.cleanUp();
        // the removal listener may run later on the executor: release here what it has not yet released
        for (Stored s : all) {
            s.dropped();
        }
    }

    /** Runs Caffeine's pending maintenance now (tests, and the numbers shown to operators). */
    public void cleanUp() {
        index.cleanUp();
    }

    public long bytes() {
        return index.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    public long objects() {
        return index.estimatedSize();
    }
}
