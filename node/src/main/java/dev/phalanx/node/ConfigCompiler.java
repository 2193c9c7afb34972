package dev.phalanx.node;

import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.EndpointSpec;
import dev.phalanx.cluster.model.PoolLimitsSpec;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.model.RetryBudgetSpec;
import dev.phalanx.node.balancing.Balancers;
import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.health.HealthTarget;
import dev.phalanx.node.routing.RouteTable;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.RetryBudget;
import dev.phalanx.node.upstream.PoolAdmission;
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
 * connections get closed, in-flight requests finish). Host names are resolved here, once per compile. A pool keeps
 * its retry budget while the budget's settings stay; an endpoint new to a pool (after the first config) starts its
 * slow-start ramp.
 */
final class ConfigCompiler {
    private final int defaultBudgetPercent;
    private final int defaultBudgetMinPerSecond;
    /** pool id → address → endpoint of the config in force. Touched only by the config thread. */
    private Map<String, Map<String, Endpoint>> endpoints = new HashMap<>();
    /** The pools of the last compile, for their retry budgets and for {@code /cluster}. */
    private volatile Map<String, Pool> pools = Map.of();
    private boolean compiledOnce;

    /** @param defaultBudgetPercent the node's retry budget settings, for pools without their own */
    ConfigCompiler(int defaultBudgetPercent, int defaultBudgetMinPerSecond) {
        this.defaultBudgetPercent = defaultBudgetPercent;
        this.defaultBudgetMinPerSecond = defaultBudgetMinPerSecond;
    }

    /** The pools of the config compiled last (empty before the first). */
    Map<String, Pool> pools() {
        return pools;
    }
    /** pool id → its queue, kept while the pool exists. Config thread only. */
    private Map<String, PoolAdmission> admissions = new HashMap<>();

    record Compiled(RouteTable table, Map<String, Pool> pools, List<HealthTarget> healthTargets,
                    List<Endpoint> removed) {
    }

    Compiled compile(ConfigSnapshot snapshot) {
        Map<String, Map<String, Endpoint>> next = new HashMap<>();
        Map<String, Pool> pools = new LinkedHashMap<>();
        Map<String, PoolAdmission> nextAdmissions = new HashMap<>();
        List<HealthTarget> targets = new ArrayList<>();
        for (PoolSpec spec : snapshot.pools()) {
            Map<String, Endpoint> previous = endpoints.getOrDefault(spec.id(), Map.of());
            Map<String, Endpoint> current = new LinkedHashMap<>();
            for (EndpointSpec e : spec.endpoints()) {
                Endpoint old = previous.get(e.address());
                Endpoint endpoint = old != null && old.weight() == e.weight() ? old : newEndpoint(spec.id(), e);
                if (old == null && compiledOnce) {
                    endpoint.startRamp(System.nanoTime()); // new to the pool: slow start, when the pool has it
                } else if (old != null && endpoint != old && old.rampStartNanos() != 0) {
                    endpoint.startRamp(old.rampStartNanos()); // a new weight: the ramp goes on
                }
                current.put(e.address(), endpoint);
            }
            next.put(spec.id(), current);
            PoolAdmission admission = admissions.getOrDefault(spec.id(), new PoolAdmission(spec.id()));
            nextAdmissions.put(spec.id(), admission);
            PoolLimitsSpec limits = spec.limitsOrDefaults();
            admission.configure(limits.queueSize(), limits.queueTimeout());
            for (EndpointSpec e : spec.endpoints()) {
                current.get(e.address()).setCaps(cap(e.maxConnections(spec.limits())),
                        cap(e.maxRequests(spec.limits())), admission);
            }
            List<Endpoint> list = List.copyOf(current.values());
            pools.put(spec.id(), new Pool(spec, list, Balancers.create(spec, list), budget(spec), admission));
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
        this.pools = Map.copyOf(pools);
        compiledOnce = true;
        admissions = nextAdmissions;
        return new Compiled(table, pools, targets, removed);
    }

    /** The pool's retry budget: the one in force when its settings did not change, else a new one. */
    private RetryBudget budget(PoolSpec spec) {
        RetryBudgetSpec own = spec.retryBudget();
        int percent = own == null ? defaultBudgetPercent : own.percentOr(defaultBudgetPercent);
        int min = own == null ? defaultBudgetMinPerSecond : own.minRetriesPerSecondOr(defaultBudgetMinPerSecond);
        Pool previous = pools.get(spec.id());
        if (previous != null && previous.retryBudget().sameSettings(percent, min)) {
            return previous.retryBudget();
        }
        return new RetryBudget(percent, min);
    }

    private static int cap(Integer configured) {
        return configured == null ? Integer.MAX_VALUE : configured;
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
