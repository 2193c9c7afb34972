package dev.phalanx.node.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;

/**
 * The {@code Cache-Control} directives of a request or a response (RFC 9111 §5.2) that the cache acts on. Names are
 * case-insensitive; a directive given twice keeps its first value (§4.2.1); a delta-seconds value that is not a
 * non-negative number reads as 0 (the response is then stale at once), and values past 2^31 as 2^31 (§1.2.2).
 * Qualified {@code no-cache="field"} and {@code private="field"} count as their unqualified forms, which is always
 * allowed. Delta values are seconds; -1 = absent. A request's {@code Pragma: no-cache} without {@code Cache-Control}
 * reads as {@code no-cache} (§5.4).
 */
public record CacheControl(long maxAge, long sMaxAge, long maxStale, long minFresh, long staleWhileRevalidate,
                           long staleIfError, boolean noStore, boolean noCache, boolean isPrivate, boolean isPublic,
                           boolean mustRevalidate, boolean proxyRevalidate, boolean onlyIfCached,
                           boolean mustUnderstand) {
    /** {@code max-stale} without a value: any staleness is accepted. */
    public static final long ANY = Long.MAX_VALUE;
    static final long MAX_DELTA = 2147483648L;
    public static final CacheControl NONE = new CacheControl(-1, -1, -1, -1, -1, -1, false, false, false, false, false,
            false, false, false);

    /** Parses every {@code Cache-Control} line of {@code h}. */
    public static CacheControl of(HttpHeaders h, boolean request) {
        List<String> lines = h.getAll(HttpHeaderNames.CACHE_CONTROL);
        if (lines.isEmpty()) {
            if (request && h.containsValue(HttpHeaderNames.PRAGMA, "no-cache", true)) {
                return new CacheControl(-1, -1, -1, -1, -1, -1, false, true, false, false, false, false, false, false);
            }
            return NONE;
        }
        Builder b = new Builder();
        for (String line : lines) {
            parseLine(line, b);
        }
        return b.build();
    }

    private static void parseLine(String line, Builder b) {
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && (line.charAt(i) == ',' || line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            int nameStart = i;
            while (i < n && line.charAt(i) != '=' && line.charAt(i) != ',') {
                i++;
            }
            String name = line.substring(nameStart, i).trim().toLowerCase(Locale.ROOT);
            String value = null;
            if (i < n && line.charAt(i) == '=') {
                i++;
                if (i < n && line.charAt(i) == '"') {
                    int end = line.indexOf('"', i + 1);
                    end = end < 0 ? n : end;
                    value = line.substring(i + 1, end);
                    i = Math.min(n, end + 1);
                    while (i < n && line.charAt(i) != ',') {
                        i++;
                    }
                } else {
                    int start = i;
                    while (i < n && line.charAt(i) != ',') {
                        i++;
                    }
                    value = line.substring(start, i).trim();
                }
            }
            if (!name.isEmpty()) {
                b.directive(name, value);
            }
        }
    }

    /** Delta-seconds: digits only, else 0 (stale); saturates at 2^31. */
    static long delta(String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            v = Math.min(MAX_DELTA, v * 10 + (c - '0'));
        }
        return v;
    }

    private static final class Builder {
        long maxAge = -1;
        long sMaxAge = -1;
        long maxStale = -1;
        long minFresh = -1;
        long swr = -1;
        long sie = -1;
        boolean noStore;
        boolean noCache;
        boolean isPrivate;
        boolean isPublic;
        boolean mustRevalidate;
        boolean proxyRevalidate;
        boolean onlyIfCached;
        boolean mustUnderstand;

        void directive(String name, String value) {
            switch (name) {
                case "max-age" -> maxAge = maxAge >= 0 ? maxAge : delta(value);
                case "s-maxage" -> sMaxAge = sMaxAge >= 0 ? sMaxAge : delta(value);
                case "max-stale" -> maxStale = maxStale >= 0 ? maxStale : value == null ? ANY : delta(value);
                case "min-fresh" -> minFresh = minFresh >= 0 ? minFresh : delta(value);
                case "stale-while-revalidate" -> swr = swr >= 0 ? swr : delta(value);
                case "stale-if-error" -> sie = sie >= 0 ? sie : delta(value);
                case "no-store" -> noStore = true;
                case "no-cache" -> noCache = true;
                case "private" -> isPrivate = true;
                case "public" -> isPublic = true;
                case "must-revalidate" -> mustRevalidate = true;
                case "proxy-revalidate" -> proxyRevalidate = true;
                case "only-if-cached" -> onlyIfCached = true;
                case "must-understand" -> mustUnderstand = true;
                default -> {
                    // extensions are ignored (§5.2.3)
                }
            }
        }

        CacheControl build() {
            return new CacheControl(maxAge, sMaxAge, maxStale, minFresh, swr, sie, noStore, noCache, isPrivate,
                    isPublic, mustRevalidate, proxyRevalidate, onlyIfCached, mustUnderstand);
        }
    }
}
