package dev.phalanx.node.http;

import dev.phalanx.cluster.model.CacheSpec;
import dev.phalanx.node.cache.CacheControl;
import dev.phalanx.node.cache.CacheKeys;
import dev.phalanx.node.cache.CachePolicy;
import dev.phalanx.node.cache.CachedResponse;
import dev.phalanx.node.cache.Flight;
import dev.phalanx.node.cache.Freshness;
import dev.phalanx.node.cache.Reuse;
import dev.phalanx.node.cache.ResponseStore;
import dev.phalanx.node.cache.StoredFields;
import dev.phalanx.node.compression.CompressionPolicy;
import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.function.Consumer;

/**
 * The cache's part in one exchange of a route with a cache (docs/cache.md), so that {@link ProxyExchange} only asks:
 * {@link #lookup} after the route and the rate limit passed (answer from the store, wait for a coalesced request, or
 * go upstream, maybe with validators added); {@link #onResponseHead} (store it while it streams, a 304 that renews
 * the stored object, a 5xx replaced by a stale object, invalidation by unsafe methods); {@link #tee} each body piece;
 * {@link #staleOnError} when the upstream failed; {@link #finish} on every ending. Event-loop only; holds a
 * reference to the stored object it found until {@link #finish}.
 */
final class ExchangeCache {
    static final AsciiString CACHE_STATUS = AsciiString.cached("cache-status");
    static final AsciiString SURROGATE_CAPABILITY = AsciiString.cached("surrogate-capability");
    static final AsciiString SURROGATE_CONTROL = AsciiString.cached("surrogate-control");
    /** Announced upstream: this cache understands Surrogate-Control targeted at it (W3C Edge Architecture 1.0). */
    private static final String CAPABILITY = CachePolicy.SURROGATE_NAME + "=\"Surrogate/1.0\"";
    private static final String NAME = "phalanx";

    /** What the exchange does after {@link #lookup}. */
    enum Lookup { SERVE, FORWARD, WAIT, ONLY_IF_CACHED }

    /** What the exchange does with an upstream response head. */
    enum Head { RELAY, SERVE_AFTER_BODY, SERVE_NOW }

    private final ResponseStore store;
    private final CachePolicy policy;
    private final Meters meters;
    private final String routeId;
    private final HttpRequest request;
    private final String url;
    private final boolean answers;

    /** The client's own fields, copied before the request is rewritten for the upstream (they pick the variant). */
    private HttpHeaders clientFields;
    /** The store's purge epoch when this request went upstream (see ResponseStore#put). */
    private long fillEpoch;
    private CacheControl requestCc = CacheControl.NONE;
    private CachedResponse stored;
    private Flight flight;
    /** Taken by a stale-while-revalidate answer: its background refresh runs under it. */
    private Flight refreshFlight;
    /** This is the cache side of a background refresh (a GET whatever the client's method was). */
    private boolean background;
    private Flight.Waiter waiter;
    private boolean waited;
    private boolean revalidating;
    private CacheFill fill;
    private HttpHeaders fillFields;
    private int fillStatus;
    private Freshness fillFreshness;
    private List<String> fillVary;
    private long fillAge;
    private long requestTime;
    private long responseTime;
    private String status;
    private String result;

    ExchangeCache(ResponseStore store, CachePolicy policy, Meters meters, String routeId, HttpRequest request,
                  String scheme, RequestTarget target) {
        this(store, policy, meters, routeId, request, CacheKeys.url(scheme, target.host(), target.originForm()));
    }

    private ExchangeCache(ResponseStore store, CachePolicy policy, Meters meters, String routeId,
                          HttpRequest request, String url) {
        this.store = store;
        this.policy = policy;
        this.meters = meters;
        this.routeId = routeId;
        this.request = request;
        this.url = url;
        this.answers = policy.answers(request.method());
    }

    /** The {@code Cache-Status} value for the access log, null when the cache had no say. */
    String status() {
        return status;
    }

    /**
     * Looks the request up. SERVE: {@link #reply} gives the answer. WAIT: another request for the URL is on its way
     * upstream; {@code woken} runs on this event loop when it ended or the wait bound passed, and the exchange then
     * looks up again. FORWARD: go upstream (validators were added to the request when a stale object can be renewed).
     */
    Lookup lookup(EventExecutor loop, Runnable woken) {
        if (!answers) {
            return Lookup.FORWARD;
        }
        HttpHeaders h = request.headers();
        requestCc = CacheControl.of(h, true);
        requestTime = System.currentTimeMillis();
        if (stored == null) {
            stored = store.find(url, h);
        }
        if (stored != null) {
            Reuse reuse = CachePolicy.reuse(stored, requestCc, requestTime);
            if (reuse == Reuse.FRESH) {
                return serve(waited ? "hit; collapsed" : "hit", waited ? "coalesced" : "hit");
            }
            if (reuse == Reuse.STALE_WHILE_REVALIDATE) {
                refreshFlight = store.takeOff(url); // one background refresh per URL: whoever takes the flight
                return serve("hit; detail=stale-while-revalidate", "stale");
            }
        }
        if (requestCc.onlyIfCached()) {
            status = NAME + "; fwd=miss; detail=only-if-cached";
            return Lookup.ONLY_IF_CACHED;
        }
        if (stored == null && !waited && policy.spec().coalesceWait().toMillis() > 0) {
            flight = store.takeOff(url);
            if (flight == null) {
                Flight other = store.flight(url);
                if (other != null) {
                    waited = true;
                    waiter = other.await(loop, policy.spec().coalesceWait().toMillis(), ended -> {
                        waiter = null;
                        woken.run();
                    });
                    return Lookup.WAIT;
                }
                flight = store.takeOff(url); // it landed meanwhile
            }
        }
        clientFields = new DefaultHttpHeaders().set(h);
        fillEpoch = store.purgeEpoch(); // a purge from now until the fill is stored drops the fill
        h.add(SURROGATE_CAPABILITY, CAPABILITY);
        if (stored != null && !h.contains(HttpHeaderNames.IF_NONE_MATCH)
                && !h.contains(HttpHeaderNames.IF_MODIFIED_SINCE)) {
            addValidators(h);
        }
        status = NAME + (stored != null ? "; fwd=stale" : "; fwd=uri-miss")
                + (requestCc.noCache() || requestCc.maxAge() == 0 ? "; detail=request" : "");
        result = stored != null ? "stale-miss" : "miss";
        return Lookup.FORWARD;
    }

    /**
     * After a stale-while-revalidate answer, and before {@link #reply}: the cache side of the one background refresh
     * of the URL ({@link CacheRefresh}), or null when another request's refresh runs.
     */
    ExchangeCache refresh() {
        if (refreshFlight == null) {
            return null;
        }
        ExchangeCache r = new ExchangeCache(store, policy, meters, routeId, request, url);
        r.flight = refreshFlight;
        refreshFlight = null;
        stored.retain();
        r.stored = stored;
        r.clientFields = new DefaultHttpHeaders().set(request.headers());
        r.fillEpoch = store.purgeEpoch();
        r.requestCc = CacheControl.NONE;
        r.requestTime = System.currentTimeMillis();
        r.status = NAME + "; fwd=stale";
        r.background = true;
        return r;
    }

    static String capability() {
        return CAPABILITY;
    }

    /** Adds the stored object's validators to an upstream request; then a 304 renews it. */
    void addValidators(HttpHeaders upstreamRequest) {
        if (stored == null || stored.etag() == null && stored.lastModified() == null) {
            return;
        }
        revalidating = true;
        if (stored.etag() != null) {
            upstreamRequest.set(HttpHeaderNames.IF_NONE_MATCH, stored.etag());
        }
        if (stored.lastModified() != null) {
            upstreamRequest.set(HttpHeaderNames.IF_MODIFIED_SINCE, stored.lastModified());
        }
    }

    private Lookup serve(String cacheStatus, String metric) {
        status = NAME + "; " + cacheStatus;
        result = metric;
        return Lookup.SERVE;
    }

    /** The stored answer to write downstream (after SERVE, SERVE_AFTER_BODY, SERVE_NOW or a true staleOnError). */
    StoredReply reply(CompressionPolicy compression) {
        HttpHeaders fields = clientFields != null ? clientFields : request.headers();
        StoredReply r = StoredReply.of(stored, request.method(), fields, status, compression, store,
                System.currentTimeMillis());
        release();
        return r;
    }

    /**
     * The upstream's final response head, before anything edits it. May add {@code Cache-Status}; starts a fill when
     * the response is to be stored.
     */
    Head onResponseHead(HttpResponse head, ByteBufAllocator alloc) {
        int code = head.status().code();
        HttpHeaders h = head.headers();
        if (CachePolicy.unsafe(request.method())) {
            if (code < 400) {
                invalidate(h);
            }
            return Head.RELAY;
        }
        if (!answers) {
            return Head.RELAY;
        }
        responseTime = System.currentTimeMillis();
        if (revalidating && code == 304) {
            renew(h);
            return Head.SERVE_AFTER_BODY;
        }
        if (code >= 500 && stored != null && CachePolicy.usableOnError(stored, responseTime)) {
            status = NAME + "; fwd=stale; fwd-status=" + code + "; detail=stale-if-error";
            result = "stale";
            return Head.SERVE_NOW;
        }
        if (request.method() == HttpMethod.GET || background) {
            startFill(head, alloc);
        }
        if (status != null) {
            h.set(CACHE_STATUS, status + "; fwd-status=" + code + (fill != null ? "; stored" : ""));
        }
        h.remove(SURROGATE_CONTROL); // meant for this cache only
        if (fill == null) {
            land(); // not storable: the waiters go upstream themselves
        }
        return Head.RELAY;
    }

    private void startFill(HttpResponse head, ByteBufAllocator alloc) {
        HttpHeaders h = head.headers();
        int code = head.status().code();
        CacheControl cc = CacheControl.of(h, false);
        long date = CachePolicy.date(h, responseTime);
        Freshness f = policy.storable(clientFields, requestCc, code, h, cc, date);
        if (f == null) {
            return;
        }
        List<String> vary = CacheKeys.varyNames(h, policy.spec().keyHeaders());
        long declared = HttpUtil.getContentLength(head, -1L);
        CacheSpec spec = policy.spec();
        if (vary == null || declared > spec.maxObjectBytes()) {
            return;
        }
        fill = new CacheFill(alloc, declared, spec.maxObjectBytes());
        fillAge = CachePolicy.initialAge(h, date, requestTime, responseTime); // before Age leaves the stored fields
        fillFields = StoredFields.copy(h);
        fillStatus = code;
        fillFreshness = f;
        fillVary = vary;
    }

    /** A piece of the response body going downstream (not taken); stores the object after the last one. */
    void tee(HttpContent content, boolean last) {
        if (fill == null) {
            return;
        }
        if (!fill.add(content.content())) {
            fill = null;
            land();
            return;
        }
        if (last) {
            var body = fill.take();
            fill = null;
            fillFields.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            CachedResponse r = new CachedResponse(url, fillStatus, fillFields, body, responseTime, fillAge,
                    fillFreshness,
                    CachedResponse.tags(fillFields, policy.spec().tagHeaders()));
            store.put(url, fillVary, policy.spec().keyCookies(), clientFields, r, fillEpoch);
            land();
        }
    }

    /** A 304 renewed the stale object: its fields updated, stored again, served. */
    private void renew(HttpHeaders notModified) {
        HttpHeaders fields = stored.merged(notModified);
        CacheControl cc = CacheControl.of(fields, false);
        long date = CachePolicy.date(fields, responseTime);
        Freshness f = policy.storable(clientFields, requestCc, stored.status(), fields, cc, date);
        long age = CachePolicy.initialAge(notModified, date, requestTime, responseTime);
        CachedResponse renewed = stored.refreshed(fields, responseTime, age,
                f != null ? f : new Freshness(0, true, true, 0, 0),
                CachedResponse.tags(fields, policy.spec().tagHeaders()));
        List<String> vary = CacheKeys.varyNames(fields, policy.spec().keyHeaders());
        if (f != null && vary != null) {
            renewed.retain();
            store.put(url, vary, policy.spec().keyCookies(), clientFields, renewed, fillEpoch);
        } else {
            store.invalidate(url);
        }
        stored.release();
        stored = renewed;
        status = NAME + "; fwd=stale; fwd-status=304";
        result = "revalidated";
        land();
    }

    /**
     * The upstream failed (down, refused, timed out) and the exchange would answer {@code code}: whether a stale
     * object may answer instead (stale-if-error); then {@link #reply} gives it.
     */
    boolean staleOnError(int code) {
        if (stored == null || code < 500 || !CachePolicy.usableOnError(stored, System.currentTimeMillis())) {
            return false;
        }
        status = NAME + "; fwd=stale; fwd-status=" + code + "; detail=stale-if-error";
        result = "stale";
        return true;
    }

    /** §4.4: the target URI, and Location/Content-Location on the same host, are invalidated. */
    private void invalidate(HttpHeaders response) {
        store.invalidate(url);
        for (AsciiString name : new AsciiString[] {HttpHeaderNames.LOCATION, HttpHeaderNames.CONTENT_LOCATION}) {
            String v = response.get(name);
            if (v == null || v.isEmpty()) {
                continue;
            }
            String other = sameHost(v);
            if (other != null) {
                store.invalidate(other);
            }
        }
    }

    private String sameHost(String ref) {
        if (ref.startsWith("/") && !ref.startsWith("//")) {
            int slash = url.indexOf('/', url.indexOf("://") + 3);
            return url.substring(0, slash < 0 ? url.length() : slash) + ref;
        }
        int slash = url.indexOf('/', url.indexOf("://") + 3);
        String origin = url.substring(0, slash < 0 ? url.length() : slash);
        return ref.toLowerCase(java.util.Locale.ROOT).startsWith(origin + "/") ? origin + ref.substring(origin.length())
                : null;
    }

    /** The exchange ended, however: an unfinished fill is dropped, waiters woken, references released; counted. */
    void finish() {
        if (refreshFlight != null) { // the refresh never started
            store.land(url, refreshFlight);
            refreshFlight = null;
        }
        if (fill != null) {
            fill.abandon();
            fill = null;
        }
        land();
        if (waiter != null) {
            waiter.cancel();
            waiter = null;
        }
        release();
        if (background) {
            meters.cacheResult(routeId, "refresh");
        } else if (result != null) {
            meters.cacheResult(routeId, result);
        } else if (answers) {
            meters.cacheResult(routeId, "bypass");
        }
    }

    private void land() {
        if (flight != null) {
            store.land(url, flight);
            flight = null;
        }
    }

    private void release() {
        if (stored != null) {
            stored.release();
            stored = null;
        }
    }
}
