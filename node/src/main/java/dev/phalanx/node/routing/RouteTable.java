package dev.phalanx.node.routing;

import dev.phalanx.cluster.model.RouteSpec;
import dev.phalanx.node.balancing.Pool;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * All routes of one config snapshot, compiled for matching. Immutable; compiled off the event loop and published
 * through {@link RouteTableHolder}.
 *
 * <h2>Which route a request gets</h2>
 * <ol>
 *   <li><b>Host</b>, the most specific first: routes listing the exact host; then wildcard routes, the longest
 *   suffix first ({@code *.b.example.com} before {@code *.example.com}; a wildcard matches one or more labels, so
 *   {@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com}, not {@code example.com});
 *   then routes without hosts (or with the host {@code *}), which match any host. The host is compared without
 *   its port and ignoring case.</li>
 *   <li><b>Path</b>, within one host level: an exact {@code path}; then {@code pathPrefix}, the longest first
 *   (plain string prefixes); then {@code pathRegex} (found anywhere in the path: anchor it with {@code ^...$});
 *   then routes with no path condition or the prefix {@code /}, which match every path.</li>
 *   <li><b>priority</b>, higher first, then <b>id</b>, lexicographically smaller first, among routes with the same
 *   host level and the same path condition rank (the same exact path, the same prefix, or both regex).</li>
 * </ol>
 * Methods and headers are filters: a candidate that fails them is passed over and the next one in this order is
 * tried, down to the routes without hosts. Paths are matched as received, without decoding.
 *
 * <p>Cost of a lookup: a few hash probes for the host (one per label for wildcards), one hash probe for the exact
 * path, a trie walk along the path for prefixes; regexes are evaluated only for hosts that have regex routes, and
 * only when no exact or prefix route of that host matched.
 */
public final class RouteTable {
    private static final RouteTable EMPTY = compile(List.of(), Map.of());

    private final Map<String, Route> byId;
    private final HostKeyMap<PathIndex> exactHosts;
    /** Keyed by the wildcard's suffix with its dot: {@code *.example.com} is under {@code .example.com}. */
    private final HostKeyMap<PathIndex> wildcardHosts;
    private final PathIndex anyHost;

    private RouteTable(Map<String, Route> byId, HostKeyMap<PathIndex> exactHosts,
                       HostKeyMap<PathIndex> wildcardHosts, PathIndex anyHost) {
        this.byId = byId;
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
        this.anyHost = anyHost;
    }

    public static RouteTable empty() {
        return EMPTY;
    }

    /**
     * @param routes the snapshot's routes (validated)
     * @param pools the snapshot's compiled pools by id
     * @throws IllegalArgumentException naming the config path of the first problem: a duplicate route id, a pool
     *     that is not defined, an invalid regex or header edit
     */
    public static RouteTable compile(List<RouteSpec> routes, Map<String, Pool> pools) {
        Map<String, Route> byId = new LinkedHashMap<>();
        Map<String, PathIndex.Builder> exact = new HashMap<>();
        Map<String, PathIndex.Builder> wildcard = new HashMap<>();
        PathIndex.Builder any = new PathIndex.Builder();
        for (RouteSpec spec : routes) {
            Route route = Route.compile(spec, pools);
            if (byId.putIfAbsent(spec.id(), route) != null) {
                throw new IllegalArgumentException("routes[" + spec.id() + "]: the id is used by another route");
            }
            List<String> hosts = spec.match().hosts();
            if (hosts.isEmpty()) {
                any.add(route);
            }
            for (String host : hosts) {
                String h = host.toLowerCase(Locale.ROOT);
                if (h.equals("*")) {
                    any.add(route);
                } else if (h.startsWith("*.")) {
                    wildcard.computeIfAbsent(h.substring(1), k -> new PathIndex.Builder()).add(route);
                } else {
                    exact.computeIfAbsent(h, k -> new PathIndex.Builder()).add(route);
                }
            }
        }
        return new RouteTable(byId, build(exact), build(wildcard), any.build());
    }

    private static HostKeyMap<PathIndex> build(Map<String, PathIndex.Builder> builders) {
        Map<String, PathIndex> indexes = new HashMap<>();
        builders.forEach((key, builder) -> indexes.put(key, builder.build()));
        return new HostKeyMap<>(indexes);
    }

    /**
     * Finds the route of a request. Safe from any thread; does not allocate unless {@code path} carries a query.
     *
     * @param host the {@code Host} header or {@code :authority}; a port, upper case and a trailing dot are ignored;
     *     null or empty matches only routes without hosts
     * @param path the raw request path without the query string (a query, if any, is cut off)
     * @param method the request method
     * @param headers the request headers (for header filters); may be null when there are none
     * @return the route, or null when none matches (404)
     */
    public Route match(String host, String path, String method, HttpHeaders headers) {
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        int end = hostEnd(host);
        if (end > 0) {
            PathIndex index = exactHosts.get(host, 0, end);
            if (index != null) {
                Route r = index.match(path, method, headers);
                if (r != null) {
                    return r;
                }
            }
            if (!wildcardHosts.isEmpty()) {
                Route r = matchWildcards(host, end, path, method, headers);
                if (r != null) {
                    return r;
                }
            }
        }
        return anyHost.match(path, method, headers);
    }

    /** As {@link #match(String, String, String, HttpHeaders)}. */
    public Route match(String host, String path, HttpMethod method, HttpHeaders headers) {
        return match(host, path, method.name(), headers);
    }

    private Route matchWildcards(String host, int end, String path, String method, HttpHeaders headers) {
        // the first dot after a non-empty label gives the longest suffix; each next dot a shorter one
        for (int i = 1; i < end; i++) {
            if (host.charAt(i) == '.') {
                PathIndex index = wildcardHosts.get(host, i, end);
                if (index != null) {
                    Route r = index.match(path, method, headers);
                    if (r != null) {
                        return r;
                    }
                }
            }
        }
        return null;
    }

    /** Where the host name ends: before {@code :port} (after {@code ]} for an IPv6 literal) and a trailing dot. */
    static int hostEnd(String host) {
        if (host == null) {
            return 0;
        }
        int end;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            end = close < 0 ? host.length() : close + 1;
        } else {
            int colon = host.indexOf(':');
            end = colon < 0 ? host.length() : colon;
        }
        if (end > 0 && host.charAt(end - 1) == '.') {
            end--;
        }
        return end;
    }

    /** The route with this id, or null. */
    public Route route(String id) {
        return byId.get(id);
    }

    /** All routes, in config order. */
    public List<Route> routes() {
        return List.copyOf(byId.values());
    }

    public int size() {
        return byId.size();
    }

    @Override
    public String toString() {
        return "RouteTable(" + byId.size() + " routes)";
    }
}
