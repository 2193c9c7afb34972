package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;

/**
 * Picks an endpoint of one pool for one request attempt. Implementations are built once per config snapshot
 * (immutable endpoint set), are called concurrently from every event loop, and never block or lock.
 */
public interface Balancer {
    /**
     * @return an available endpoint, preferring ones not {@link PickContext#alreadyTried tried}; null when no
     *     endpoint of the pool is available
     */
    Endpoint pick(PickContext context);
}
