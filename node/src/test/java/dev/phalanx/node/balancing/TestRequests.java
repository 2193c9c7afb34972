package dev.phalanx.node.balancing;

import dev.phalanx.cluster.model.EndpointSpec;
import dev.phalanx.cluster.model.HashOn;
import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test fixtures: endpoints, pool specs and a plain {@link PickContext}. */
final class TestRequests {
    private TestRequests() {
    }

    /** Endpoints {@code 10.0.0.1:80 ...} with the given weights. */
    static List<Endpoint> endpoints(int... weights) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            list.add(endpoint(i + 1, weights[i]));
        }
        return list;
    }

    static Endpoint endpoint(int n, int weight) {
        String host = "10.0.0." + n;
        return new Endpoint("p", host + ":80", InetSocketAddress.createUnresolved(host, 80), weight);
    }

    static PoolSpec spec(LbPolicy lb, List<Endpoint> endpoints, HashOn hashOn) {
        List<EndpointSpec> specs = endpoints.stream().map(e -> new EndpointSpec(e.address(), e.weight())).toList();
        return new PoolSpec("p", lb, specs, hashOn, null, null);
    }

    static Balancer balancer(LbPolicy lb, List<Endpoint> endpoints) {
        return Balancers.create(spec(lb, endpoints, null), endpoints);
    }

    /** A mutable request: client address, headers, cookies, path and the endpoints it tried. */
    static final class Request implements PickContext {
        InetAddress client;
        String path = "/";
        final Map<String, String> headers = new HashMap<>();
        final Map<String, String> cookies = new HashMap<>();
        final Set<Endpoint> tried = new HashSet<>();

        @Override
        public InetAddress clientAddress() {
            return client;
        }

        @Override
        public String header(String name) {
            return headers.get(name);
        }

        @Override
        public String cookie(String name) {
            return cookies.get(name);
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public boolean alreadyTried(Endpoint endpoint) {
            return tried.contains(endpoint);
        }
    }

    static InetAddress ipv4(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Counts picks per endpoint; a null pick is counted under the key null. */
    static Map<Endpoint, Integer> count(Balancer balancer, PickContext context, int picks) {
        Map<Endpoint, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            counts.merge(balancer.pick(context), 1, Integer::sum);
        }
        return counts;
    }
}
