package dev.phalanx.node;

import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.EndpointSpec;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.node.balancing.Balancers;
import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.health.HealthTarget;
import dev.phalanx.node.routing.RouteTable;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a validated {@link ConfigSnapshot} into the data plane's immutable objects, off the event loops.
 * Endpoints that stay (same pool, same address) keep their {@link Endpoint} object, so their connection pools,
 * health and outlier state survive the change; endpoints that went away are marked removed (their idle pooled
 * connections get closed, in-flight requests finish). Host names are resolved here, once per compile.
 */
final class ConfigCompiler {
    /** pool id → address → endpoint of the config in force. Touched only by the config thread. */
    private Map<String, Map<String, Endpoint>> endpoints = new HashMap<>();

    record Compiled(RouteTable table, Map<String, Pool> pools, List<HealthTarget> healthTargets,
                    List<Endpoint> removed) {
    }

    Compiled compile(ConfigSnapshot snapshot) {
        Map<String, Map<String, Endpoint>> next = new HashMap<>();
        Map<String, Pool> pools = new LinkedHashMap<>();
        List<HealthTarget> targets = new ArrayList<>();
        for (PoolSpec spec : snapshot.pools()) {
            Map<String, Endpoint> previous = endpoints.getOrDefault(spec.id(), Map.of());
            Map<String, Endpoint> current = new LinkedHashMap<>();
            for (EndpointSpec e : spec.endpoints()) {
                Endpoint old = previous.get(e.address());
                current.put(e.address(), old != null && old.weight() == e.weight() ? old : newEndpoint(spec.id(), e));
            }
            next.put(spec.id(), current);
            List<Endpoint> list = List.copyOf(current.values());
            pools.put(spec.id(), new Pool(spec, list, Balancers.create(spec, list)));
            targets.add(new HealthTarget(spec, list));
        }
        List<Endpoint> removed = new ArrayList<>();
        endpoints.forEach((poolId, byAddress) -> byAddress.forEach((address, e) -> {
            Map<String, Endpoint> now = next.get(poolId);
            if (now == null || now.get(address) != e) {
                removed.add(e);
            }
        }));
        RouteTable table = RouteTable.compile(snapshot.routes(), pools);
        endpoints = next;
        return new Compiled(table, pools, targets, removed);
    }

    private static Endpoint newEndpoint(String poolId, EndpointSpec spec) {
        return new Endpoint(poolId, spec.address(), resolve(spec.address()), spec.weight());
    }

    /** host:port or [v6]:port to a socket address; an unknown host stays unresolved (connects then fail, 502). */
    static InetSocketAddress resolve(String address) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            return InetSocketAddress.createUnresolved(host, port);
        }
    }
}
