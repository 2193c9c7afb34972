package dev.phalanx.node;

import dev.phalanx.node.balancing.Pool;
import dev.phalanx.node.upstream.Endpoint;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The {@code phalanx_endpoint_up} suppliers of a pool: 1 while an endpoint takes traffic, else 0. */
final class PoolGauges {
    private PoolGauges() {
    }

    static Map<String, Supplier<Number>> endpointsUp(Pool pool) {
        Map<String, Supplier<Number>> m = new LinkedHashMap<>();
        for (Endpoint e : pool.endpoints()) {
            m.put(e.address(), () -> e.isAvailable() ? 1 : 0);
        }
        return m;
    }
}
