package dev.phalanx.node.routing;

import dev.phalanx.cluster.model.CompressionSpec;
import dev.phalanx.cluster.model.EndpointSpec;
import dev.phalanx.cluster.model.HeaderOpsSpec;
import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.cluster.model.MatchSpec;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.model.RouteSpec;
import dev.phalanx.cluster.model.SplitSpec;
import dev.phalanx.node.balancing.Balancers;
import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds route specs for tests: {@code Routes.route("api").host("a.com").prefix("/api").spec()}. */
final class Routes {
    private String id;
    private int priority;
    private List<String> hosts = List.of();
    private String prefix;
    private String path;
    private String regex;
    private List<String> methods = List.of();
    private Map<String, String> headers = Map.of();
    private String pool = "default";
    private List<SplitSpec> split = List.of();
    private String stripPrefix;
    private String hostRewrite;
    private Long maxBodyBytes;
    private HeaderOpsSpec requestHeaders = HeaderOpsSpec.NONE;
    private HeaderOpsSpec responseHeaders = HeaderOpsSpec.NONE;
    private CompressionSpec compression = CompressionSpec.DEFAULT;

    static Routes route(String id) {
        Routes r = new Routes();
        r.id = id;
        return r;
    }

    Routes hosts(String... h) {
        hosts = List.of(h);
        return this;
    }

    Routes prefix(String p) {
        prefix = p;
        return this;
    }

    Routes path(String p) {
        path = p;
        return this;
    }

    Routes regex(String r) {
        regex = r;
        return this;
    }

    Routes priority(int p) {
        priority = p;
        return this;
    }

    Routes methods(String... m) {
        methods = List.of(m);
        return this;
    }

    Routes header(String name, String value) {
        headers = Map.of(name, value);
        return this;
    }

    Routes pool(String p) {
        pool = p;
        split = List.of();
        return this;
    }

    Routes split(SplitSpec... s) {
        pool = null;
        split = List.of(s);
        return this;
    }

    Routes stripPrefix(String s) {
        stripPrefix = s;
        return this;
    }

    Routes hostRewrite(String h) {
        hostRewrite = h;
        return this;
    }

    Routes maxBodyBytes(long n) {
        maxBodyBytes = n;
        return this;
    }

    Routes requestHeaders(HeaderOpsSpec ops) {
        requestHeaders = ops;
        return this;
    }

    Routes responseHeaders(HeaderOpsSpec ops) {
        responseHeaders = ops;
        return this;
    }

    RouteSpec spec() {
        return new RouteSpec(id, priority, new MatchSpec(hosts, prefix, path, regex, methods, headers), pool, split,
                stripPrefix, hostRewrite, null, null, null, maxBodyBytes, requestHeaders, responseHeaders, null, null,
                RouteSpec.DEFAULT_UPGRADES, compression, null);
    }

    Routes compression(CompressionSpec c) {
        compression = c;
        return this;
    }

    /** Round-robin pools with one endpoint each, by id. */
    static Map<String, Pool> pools(String... ids) {
        Map<String, Pool> pools = new HashMap<>();
        int n = 1;
        for (String id : ids) {
            String address = "127.0.0." + n++ + ":8080";
            PoolSpec spec = new PoolSpec(id, LbPolicy.ROUND_ROBIN, List.of(new EndpointSpec(address, 1)), null, null,
                    null);
            List<Endpoint> endpoints = new ArrayList<>();
            endpoints.add(new Endpoint(id, address, InetSocketAddress.createUnresolved("127.0.0.1", 8080), 1));
            pools.put(id, new Pool(spec, endpoints, Balancers.create(spec, endpoints),
                    new dev.phalanx.node.upstream.RetryBudget(20, 10)));
        }
        return pools;
    }

    static RouteTable table(Routes... routes) {
        List<RouteSpec> specs = new ArrayList<>();
        for (Routes r : routes) {
            specs.add(r.spec());
        }
        return RouteTable.compile(specs, pools("default", "a", "b"));
    }
}
