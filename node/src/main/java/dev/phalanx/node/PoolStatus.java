package dev.phalanx.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.cluster.model.SlowStartSpec;
import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.health.OutlierDetector;
import dev.phalanx.node.health.OutlierStats;
import dev.phalanx.node.upstream.Endpoint;
import dev.phalanx.node.upstream.RetryBudget;
import java.util.Collection;

/**
 * The {@code pools} view of {@code /cluster} (docs/operations.md#protecting-the-backends): per pool its retry budget
 * as it stands, per endpoint whether it takes traffic, its ejection state and reason, its failure-rate window and its
 * slow-start weight. This node's view only (ejections and budgets are per node).
 */
final class PoolStatus {
    private PoolStatus() {
    }

    static ArrayNode toJson(Collection<Pool> pools, OutlierDetector outliers) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        long now = System.nanoTime();
        for (Pool pool : pools) {
            ObjectNode p = out.addObject().put("id", pool.id());
            RetryBudget budget = pool.retryBudget();
            RetryBudget.State state = budget.state();
            p.putObject("retryBudget").put("percent", budget.percent()).put("minRetriesPerSecond",
                    budget.minPerSecond()).put("allowedThisSecond", state.allowed()).put("usedThisSecond", state.used())
                    .put("requestsPerSecond", state.requestsPerSecond());
            p.putObject("queue").put("length", pool.admission().queued())
                    .put("size", pool.spec().limitsOrDefaults().queueSize());
            ArrayNode endpoints = p.putArray("endpoints");
            SlowStartSpec slow = pool.spec().slowStart();
            for (Endpoint e : pool.endpoints()) {
                ObjectNode o = endpoints.addObject().put("address", e.address()).put("available", e.isAvailable())
                        .put("activeHealthy", e.isActiveHealthy());
                o.put("connections", e.connections());
                cap(o, "maxConnections", e.maxConnections());
                o.put("requestsInFlight", e.inFlight());
                cap(o, "maxRequests", e.maxRequests());
                OutlierStats s = outliers.stats(e);
                if (s != null) {
                    o.put("ejected", s.ejected()).put("ejections", s.ejections())
                            .put("consecutiveFailures", s.consecutiveFailures());
                    o.put("reason", s.reason() == null ? null : s.reason().configName());
                    if (s.windowRequests() >= 0) {
                        o.putObject("failureRate").put("requests", s.windowRequests())
                                .put("failures", s.windowFailures());
                    }
                }
                if (slow != null) {
                    o.put("slowStartWeightPercent", slowStartPercent(e, slow, now));
                }
            }
        }
        return out;
    }

    private static int slowStartPercent(Endpoint e, SlowStartSpec slow, long now) {
        long start = e.rampStartNanos();
        long window = slow.window().toNanos();
        if (start == 0 || now - start >= window || now - start < 0) {
            return 100;
        }
        double min = slow.minWeightPercent();
        return (int) (min + (100 - min) * (now - start) / window);
    }

    /** A cap, or null when unlimited. */
    private static void cap(ObjectNode o, String field, int cap) {
        if (cap == Integer.MAX_VALUE) {
            o.putNull(field);
        } else {
            o.put(field, cap);
        }
    }
}
