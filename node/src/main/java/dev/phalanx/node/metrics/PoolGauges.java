package dev.phalanx.node.metrics;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What a pool shows as gauges: {@code phalanx_upstream_connections{pool}} and, per endpoint,
 * {@code phalanx_endpoint_up{pool,endpoint}} (1 while the endpoint takes traffic). The pool fills it in; metrics
 * only reads the suppliers at scrape time.
 *
 * @param endpointsUp endpoint address → whether it takes traffic now, in the pool's order
 */
public record PoolGauges(String poolId, IntSupplier connections, Map<String, BooleanSupplier> endpointsUp) {
}
