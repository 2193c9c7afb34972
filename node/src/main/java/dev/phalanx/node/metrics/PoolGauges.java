package dev.phalanx.node.metrics;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What a pool shows as gauges: {@code phalanx_upstream_connections{pool}}, {@code phalanx_upstream_queue_length{pool}}
 * and, per endpoint, {@code phalanx_endpoint_up{pool,endpoint}} (1 while the endpoint takes traffic),
 * {@code phalanx_endpoint_connections{pool,endpoint}} and {@code phalanx_endpoint_requests_in_flight{pool,endpoint}}.
 * The pool fills it in; metrics only reads the suppliers at scrape time.
 *
 * @param endpointsUp endpoint address → whether it takes traffic now, in the pool's order
 * @param endpointConnections endpoint address → its open upstream connections (all event loops)
 * @param endpointInFlight endpoint address → its requests in flight (all event loops)
 */
public record PoolGauges(String poolId, IntSupplier connections, Map<String, BooleanSupplier> endpointsUp,
                         IntSupplier queueLength, Map<String, IntSupplier> endpointConnections,
                         Map<String, IntSupplier> endpointInFlight) {

    /** Gauges without the admission ones (queue length 0, no per-endpoint counts). */
    public PoolGauges(String poolId, IntSupplier connections, Map<String, BooleanSupplier> endpointsUp) {
        this(poolId, connections, endpointsUp, () -> 0, Map.of(), Map.of());
    }
}
