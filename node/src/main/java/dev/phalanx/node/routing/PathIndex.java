package dev.phalanx.node.routing;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The routes of one host key (an exact host, a wildcard suffix, or "any host"), indexed by path condition: exact
 * paths in a hash map, prefixes in a {@link PrefixTrie}, then regexes and any-path routes in precedence order.
 * {@link #match} tries them in that order and returns the first route whose filters accept the request.
 */
final class PathIndex {
    /** Within one path condition: higher priority first, then the lexicographically smaller id. */
    static final Comparator<Route> PRECEDENCE =
            Comparator.comparingInt((Route r) -> -r.spec().priority()).thenComparing(Route::id);

    private static final Route[] NONE = new Route[0];

    private final Map<String, Route[]> exact;
    private final PrefixTrie prefixes;
    private final Route[] regexes;
    private final Route[] anyPath;

    private PathIndex(Map<String, Route[]> exact, PrefixTrie prefixes, Route[] regexes, Route[] anyPath) {
        this.exact = exact;
        this.prefixes = prefixes;
        this.regexes = regexes;
        this.anyPath = anyPath;
    }

    Route match(String path, String method, HttpHeaders headers) {
        if (!exact.isEmpty()) {
            Route[] routes = exact.get(path);
            if (routes != null) {
                for (Route r : routes) {
                    if (r.accepts(method, headers)) {
                        return r;
                    }
                }
            }
        }
        Route r = prefixes.match(path, method, headers);
        if (r != null) {
            return r;
        }
        for (Route candidate : regexes) {
            if (candidate.regexMatches(path) && candidate.accepts(method, headers)) {
                return candidate;
            }
        }
        for (Route candidate : anyPath) {
            if (candidate.accepts(method, headers)) {
                return candidate;
            }
        }
        return null;
    }

    /** Collects the routes of one host key while the table is compiled. */
    static final class Builder {
        private final Map<String, List<Route>> exact = new HashMap<>();
        private final Map<String, List<Route>> prefixes = new HashMap<>();
        private final List<Route> regexes = new ArrayList<>();
        private final List<Route> anyPath = new ArrayList<>();

        void add(Route route) {
            switch (route.pathKind()) {
                case EXACT -> exact.computeIfAbsent(route.spec().match().path(), k -> new ArrayList<>()).add(route);
                case PREFIX -> prefixes.computeIfAbsent(route.spec().match().pathPrefix(), k -> new ArrayList<>())
                        .add(route);
                case REGEX -> regexes.add(route);
                case ANY -> anyPath.add(route);
            }
        }

        PathIndex build() {
            Map<String, Route[]> exactArrays = new HashMap<>(Math.max(4, exact.size() * 2));
            exact.forEach((path, routes) -> exactArrays.put(path, sorted(routes)));
            prefixes.values().forEach(routes -> routes.sort(PRECEDENCE));
            return new PathIndex(exactArrays, new PrefixTrie(prefixes), sorted(regexes), sorted(anyPath));
        }

        private static Route[] sorted(List<Route> routes) {
            if (routes.isEmpty()) {
                return NONE;
            }
            routes.sort(PRECEDENCE);
            return routes.toArray(NONE);
        }
    }
}
