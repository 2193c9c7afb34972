package dev.phalanx.node.cache;

import dev.phalanx.cluster.model.CacheSpec;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Date;
import java.util.List;

/**
 * A route's cache rules, compiled from its {@link CacheSpec}: whether a request may be answered from the store,
 * whether a response may be stored and for how long (RFC 9111 §3, §4.2 for a shared cache), and whether a stored
 * response may answer a given request (§4.2, §5.2.1). Immutable, shared by every event loop.
 */
public final class CachePolicy {
    /** Heuristic freshness: this share of the time since {@code Last-Modified} (§4.2.2 suggests 10%)... */
    static final int HEURISTIC_PERCENT = 10;
    /** ...but never more than a day. */
    static final long HEURISTIC_MAX_MILLIS = 24L * 3600 * 1000;

    private final CacheSpec spec;
    private final boolean head;
    private final boolean get;

    private CachePolicy(CacheSpec spec) {
        this.spec = spec;
        this.get = spec.methods().contains("GET");
        this.head = spec.methods().contains("HEAD");
    }

    /** @return the rules, or null for a route without a cache */
    public static CachePolicy of(CacheSpec spec) {
        return spec == null ? null : new CachePolicy(spec);
    }

    public CacheSpec spec() {
        return spec;
    }

    /** Whether a request with this method may be answered from the store (a HEAD from a stored GET). */
    public boolean answers(HttpMethod method) {
        return method == HttpMethod.GET ? get : method == HttpMethod.HEAD && head;
    }

    /** Unsafe methods invalidate what is stored for their target (§4.4). */
    public static boolean unsafe(HttpMethod method) {
        return !(method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.TRACE);
    }

    /**
     * Whether the response to a GET may be stored (§3, §3.5), and if so with what freshness; null when it may not.
     *
     * @param request the request's fields as the client sent them
     * @param date    the response's {@code Date} (ms), or its arrival time when it has none
     */
    public Freshness storable(HttpHeaders request, CacheControl requestCc, int status, HttpHeaders response,
                              CacheControl cc, long date) {
        if (status < 200 || status == 206 || status == 304 || status > 599) {
            return null;
        }
        if (!spec.statuses().isEmpty() && !spec.statuses().contains(status)) {
            return null;
        }
        long surrogate = surrogateMaxAge(response);
        if (surrogate == SURROGATE_NO_STORE) {
            return null;
        }
        if (surrogate >= 0) { // Edge Architecture 1.0: the surrogate's own directives win over Cache-Control
            return requestCc.noStore() ? null : new Freshness(surrogate * 1000, false, false,
                    spec.staleWhileRevalidate().toMillis(), spec.staleIfError().toMillis());
        }
        if (cc.mustUnderstand() && !understood(status)) {
            return null; // §5.2.2.3
        }
        // must-understand with a status this cache understands overrides no-store (§5.2.2.3)
        boolean noStore = cc.noStore() && !cc.mustUnderstand();
        if (requestCc.noStore() || noStore || cc.isPrivate()) {
            return null;
        }
        boolean explicit = cc.sMaxAge() >= 0 || cc.maxAge() >= 0 || response.contains(HttpHeaderNames.EXPIRES);
        if (request.contains(HttpHeaderNames.AUTHORIZATION)
                && !(cc.mustRevalidate() || cc.isPublic() || cc.sMaxAge() >= 0)) {
            return null; // §3.5
        }
        boolean heuristic = CacheSpec.HEURISTIC_STATUSES.contains(status);
        if (!explicit && !cc.isPublic() && !heuristic && !cc.noCache()) {
            return null;
        }
        long lifetime = lifetime(cc, response, date, heuristic || cc.isPublic());
        long swr = cc.staleWhileRevalidate() >= 0 ? cc.staleWhileRevalidate() * 1000
                : spec.staleWhileRevalidate().toMillis();
        long sie = cc.staleIfError() >= 0 ? cc.staleIfError() * 1000 : spec.staleIfError().toMillis();
        boolean mustRevalidate = cc.mustRevalidate() || cc.proxyRevalidate() || cc.sMaxAge() >= 0;
        Freshness f = new Freshness(lifetime, cc.noCache(), mustRevalidate, swr, sie);
        boolean validator = response.contains(HttpHeaderNames.ETAG)
                || response.contains(HttpHeaderNames.LAST_MODIFIED);
        if (f.noCache() && !validator) {
            return null; // every use would be a full request anyway
        }
        if (lifetime <= 0 && !validator && (mustRevalidate || swr <= 0 && sie <= 0)) {
            return null; // stale at once and cannot be validated: storing it would help nobody
        }
        return f;
    }

    /** The final statuses RFC 9110 defines (§15): {@code must-understand} stores only these. */
    private static boolean understood(int status) {
        return status >= 200 && status <= 206 || status >= 300 && status <= 308 && status != 306
                || status >= 400 && status <= 417 || status == 421 || status == 422 || status == 426
                || status >= 500 && status <= 505;
    }

    /** The name this cache answers to in {@code Surrogate-Control} targets and {@code Surrogate-Capability}. */
    public static final String SURROGATE_NAME = "phalanx";
    static final long SURROGATE_NO_STORE = -2;

    /**
     * {@code Surrogate-Control} (W3C Edge Architecture 1.0) for this cache: directives without a target or targeted
     * at {@link #SURROGATE_NAME}; -2 for {@code no-store}, the {@code max-age} in seconds, or -1 when it says neither.
     */
    static long surrogateMaxAge(HttpHeaders response) {
        List<String> lines = response.getAll("surrogate-control");
        long maxAge = -1;
        for (String line : lines) {
            for (String d : line.split(",")) {
                String directive = d.trim();
                int semi = directive.indexOf(';');
                if (semi >= 0) {
                    if (!directive.substring(semi + 1).trim().equalsIgnoreCase(SURROGATE_NAME)) {
                        continue;
                    }
                    directive = directive.substring(0, semi).trim();
                }
                String lower = directive.toLowerCase(java.util.Locale.ROOT);
                if (lower.equals("no-store")) {
                    return SURROGATE_NO_STORE;
                }
                if (lower.startsWith("max-age=") && maxAge < 0) {
                    String v = lower.substring(8);
                    maxAge = v.isEmpty() || v.charAt(0) == ' ' ? -1 : CacheControl.delta(v);
                }
            }
        }
        return maxAge;
    }

    /** The freshness lifetime in ms (§4.2.1), heuristic (§4.2.2) only when {@code heuristicAllowed}. */
    static long lifetime(CacheControl cc, HttpHeaders response, long date, boolean heuristicAllowed) {
        if (cc.sMaxAge() >= 0) {
            return cc.sMaxAge() * 1000;
        }
        if (cc.maxAge() >= 0) {
            return cc.maxAge() * 1000;
        }
        List<String> expires = response.getAll(HttpHeaderNames.EXPIRES);
        if (!expires.isEmpty()) {
            long e = httpDate(expires.get(0));
            return e < 0 ? 0 : Math.max(0, e - date);
        }
        if (!heuristicAllowed) {
            return 0;
        }
        long lm = httpDate(response.get(HttpHeaderNames.LAST_MODIFIED));
        if (lm < 0 || lm >= date) {
            return 0;
        }
        return Math.min(HEURISTIC_MAX_MILLIS, (date - lm) * HEURISTIC_PERCENT / 100);
    }

    /**
     * The corrected initial age (§4.2.3) in ms.
     *
     * @param requestTime  when the request went upstream
     * @param responseTime when the response came
     */
    public static long initialAge(HttpHeaders response, long date, long requestTime, long responseTime) {
        long apparent = Math.max(0, responseTime - date);
        long ageValue = 0;
        List<String> ages = response.getAll(HttpHeaderNames.AGE);
        if (!ages.isEmpty()) {
            String age = ages.get(0).trim();
            // one value of digits; anything else (a list, a fraction, a sign, a parameter) reads as very old
            boolean valid = ages.size() == 1 && !age.isEmpty() && age.chars().allMatch(c -> c >= '0' && c <= '9');
            ageValue = (valid ? CacheControl.delta(age) : CacheControl.MAX_DELTA) * 1000;
        }
        long corrected = ageValue + Math.max(0, responseTime - requestTime);
        return Math.max(apparent, corrected);
    }

    /** {@code Date} in ms, or {@code fallback} when it is missing or not a date. */
    public static long date(HttpHeaders response, long fallback) {
        long d = httpDate(response.get(HttpHeaderNames.DATE));
        return d < 0 ? fallback : d;
    }

    /** An HTTP date in ms, -1 when absent or invalid. */
    static long httpDate(String value) {
        if (value == null) {
            return -1;
        }
        Date d = DateFormatter.parseHttpDate(value);
        return d == null ? -1 : d.getTime();
    }

    /** What the request may do with {@code stored} at {@code now} (§4.2, §5.2.1, RFC 5861 §3). */
    public static Reuse reuse(CachedResponse stored, CacheControl request, long now) {
        Freshness f = stored.freshness();
        if (f.noCache() || request.noCache()) {
            return Reuse.VALIDATE;
        }
        long age = stored.ageMillis(now);
        boolean fresh = f.fresh(age);
        if (request.maxAge() >= 0 && age > request.maxAge() * 1000) {
            fresh = false;
        }
        if (request.minFresh() >= 0 && f.lifetime() - age < request.minFresh() * 1000) {
            fresh = false;
        }
        if (fresh) {
            return Reuse.FRESH;
        }
        if (f.mustRevalidate()) {
            return Reuse.VALIDATE;
        }
        long staleness = age - f.lifetime();
        if (request.maxStale() >= 0 && request.maxAge() < 0 && request.minFresh() < 0
                && (request.maxStale() == CacheControl.ANY || staleness <= request.maxStale() * 1000)) {
            return Reuse.FRESH;
        }
        if (staleness >= 0 && staleness < f.staleWhileRevalidate() && request.maxAge() < 0) {
            return Reuse.STALE_WHILE_REVALIDATE;
        }
        return Reuse.VALIDATE;
    }

    /** Whether {@code stored} may answer instead of an upstream error at {@code now} (RFC 5861 §4). */
    public static boolean usableOnError(CachedResponse stored, long now) {
        Freshness f = stored.freshness();
        if (f.mustRevalidate() || f.noCache()) {
            return false;
        }
        long staleness = stored.ageMillis(now) - f.lifetime();
        return staleness < f.staleIfError();
    }
}
