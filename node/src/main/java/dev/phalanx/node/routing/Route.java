package dev.phalanx.node.routing;

import dev.phalanx.cluster.model.MatchSpec;
import dev.phalanx.cluster.model.RouteSpec;
import dev.phalanx.cluster.model.SplitSpec;
import dev.phalanx.node.cache.CachePolicy;
import dev.phalanx.node.compression.CompressionPolicy;
import dev.phalanx.node.balancing.Pool;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A route compiled for the request path: its match filters (methods, headers, path regex) in arrays, its header
 * edits, its target pools with the split picker, and the path rewrite. Immutable and shared by every event loop;
 * built off the event loop by {@link RouteTable#compile} (or {@link #compile} alone).
 */
public final class Route {
    private final RouteSpec spec;
    private final PoolSplit split;
    private final String stripPrefix;
    private final String hostRewrite;
    private final HeaderEdits requestHeaders;
    private final HeaderEdits responseHeaders;
    private final CompressionPolicy compression;
    private final CachePolicy cache;
    private final String[] methods;
    private final AsciiString[] headerNames;
    private final String[] headerValues;
    private final Pattern pathRegex;

    private Route(RouteSpec spec, PoolSplit split, Pattern pathRegex, String[] methods, AsciiString[] headerNames,
                  String[] headerValues) {
        this.spec = spec;
        this.split = split;
        this.stripPrefix = spec.stripPrefix() == null || spec.stripPrefix().isEmpty() ? null : spec.stripPrefix();
        this.hostRewrite = spec.hostRewrite() == null || spec.hostRewrite().isEmpty() ? null : spec.hostRewrite();
        this.requestHeaders = HeaderEdits.compile(spec.requestHeaders(), where(spec) + ".requestHeaders");
        this.responseHeaders = HeaderEdits.compile(spec.responseHeaders(), where(spec) + ".responseHeaders");
        this.compression = spec.compression() == null ? CompressionPolicy.OFF : CompressionPolicy.of(spec.compression());
        this.cache = CachePolicy.of(spec.cache());
        this.pathRegex = pathRegex;
        this.methods = methods;
        this.headerNames = headerNames;
        this.headerValues = headerValues;
    }

    /**
     * Compiles one route against the compiled pools of the same snapshot.
     *
     * @throws IllegalArgumentException naming the config path, e.g. {@code routes[api].split[1].pool: pool "v2" is
     *     not defined}, for an unknown pool, an invalid regex or an invalid header edit
     */
    public static Route compile(RouteSpec spec, Map<String, Pool> pools) {
        String where = where(spec);
        List<SplitSpec> targets = spec.targets();
        if (targets == null || targets.isEmpty()) {
            throw new IllegalArgumentException(where + ": neither pool nor split is set");
        }
        Pool[] targetPools = new Pool[targets.size()];
        int[] weights = new int[targets.size()];
        for (int i = 0; i < targetPools.length; i++) {
            SplitSpec target = targets.get(i);
            targetPools[i] = pools.get(target.pool());
            if (targetPools[i] == null) {
                String field = spec.pool() != null ? ".pool" : ".split[" + i + "].pool";
                throw new IllegalArgumentException(where + field + ": pool \"" + target.pool() + "\" is not defined");
            }
            weights[i] = target.weight();
        }
        MatchSpec match = spec.match();
        Pattern regex = null;
        if (match.pathRegex() != null) {
            try {
                regex = Pattern.compile(match.pathRegex());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(where + ".match.pathRegex: \"" + match.pathRegex()
                        + "\" is not a valid regular expression: " + e.getDescription());
            }
        }
        String[] methods = match.methods().stream().map(m -> m.toUpperCase(Locale.ROOT)).toArray(String[]::new);
        AsciiString[] headerNames = new AsciiString[match.headers().size()];
        String[] headerValues = new String[headerNames.length];
        int i = 0;
        for (Map.Entry<String, String> e : match.headers().entrySet()) {
            headerNames[i] = HeaderEdits.name(e.getKey(), where + ".match.headers");
            headerValues[i] = e.getValue();
            i++;
        }
        return new Route(spec, new PoolSplit(targetPools, weights), regex, methods, headerNames, headerValues);
    }

    private static String where(RouteSpec spec) {
        return "routes[" + spec.id() + "]";
    }

    public String id() {
        return spec.id();
    }

    public RouteSpec spec() {
        return spec;
    }

    /** The pool for this request: the only one, or one of the split drawn by weight. */
    public Pool pickPool() {
        return split.pick();
    }

    /** The target pools in configured order. */
    public List<Pool> pools() {
        return List.of(split.pools());
    }

    /**
     * Applies {@code stripPrefix} to an origin-form request target ({@code /api/users?q=1} with prefix {@code /api}
     * gives {@code /users?q=1}). The query string is kept; the result always starts with {@code /}
     * ({@code /api?q=1} gives {@code /?q=1}). A target whose path does not start with the prefix, or a route
     * without {@code stripPrefix}, is returned as it is (the same instance).
     */
    public String rewritePath(String uri) {
        String prefix = stripPrefix;
        if (prefix == null) {
            return uri;
        }
        int query = uri.indexOf('?');
        int pathEnd = query < 0 ? uri.length() : query;
        if (pathEnd < prefix.length() || !uri.startsWith(prefix)) {
            return uri;
        }
        if (prefix.length() < uri.length() && uri.charAt(prefix.length()) == '/') {
            return uri.substring(prefix.length());
        }
        return "/" + uri.substring(prefix.length());
    }

    /** The {@code Host} to send upstream instead of the downstream one, or null to pass it through. */
    public String hostRewrite() {
        return hostRewrite;
    }

    /** The body limit for this route: its own {@code maxBodyBytes}, or the node's {@code limits.maxBodyBytes}. */
    public long maxBodyBytes(long nodeDefault) {
        Long own = spec.maxBodyBytes();
        return own != null ? own : nodeDefault;
    }

    /** Edits to the request before it goes upstream. */
    public HeaderEdits requestHeaders() {
        return requestHeaders;
    }

    /** Edits to the response before it goes downstream. */
    /** How the route compresses responses downstream. */
    public CompressionPolicy compression() {
        return compression;
    }

    /** The route's cache rules, null when the route has no cache. */
    public CachePolicy cache() {
        return cache;
    }

    public HeaderEdits responseHeaders() {
        return responseHeaders;
    }

    /** The method and header filters: every listed header present with an equal value, the method listed. */
    boolean accepts(String method, HttpHeaders headers) {
        if (methods.length > 0 && !listed(method)) {
            return false;
        }
        for (int i = 0; i < headerNames.length; i++) {
            if (headers == null || !headers.contains(headerNames[i], headerValues[i], false)) {
                return false;
            }
        }
        return true;
    }

    private boolean listed(String method) {
        for (String m : methods) {
            if (m.equals(method)) {
                return true;
            }
        }
        return false;
    }

    /** True when the route's {@code pathRegex} is found in {@code path} (anchor with ^ and $ to match all of it). */
    boolean regexMatches(String path) {
        return pathRegex.matcher(path).find();
    }

    /** The rank of the route's path condition within one host; see {@link RouteTable}. */
    PathKind pathKind() {
        MatchSpec m = spec.match();
        if (m.path() != null) {
            return PathKind.EXACT;
        }
        if (m.pathPrefix() != null && !m.pathPrefix().isEmpty() && !m.pathPrefix().equals("/")) {
            return PathKind.PREFIX;
        }
        return m.pathRegex() != null ? PathKind.REGEX : PathKind.ANY;
    }

    /** Path conditions from the most to the least specific. */
    enum PathKind { EXACT, PREFIX, REGEX, ANY }

    @Override
    public String toString() {
        return "route " + spec.id();
    }
}
