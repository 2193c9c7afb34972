package dev.phalanx.cluster.model;

/**
 * One backend address ({@code host:port}, IPv6 as {@code [::1]:8080}), its relative weight (1 by default) and, when
 * set, its own caps overriding the pool's {@code limits.maxConnections} / {@code limits.maxRequests} (null = the
 * pool's value).
 */
public record EndpointSpec(String address, int weight, Integer maxConnections, Integer maxRequests) {

    public EndpointSpec(String address, int weight) {
        this(address, weight, null, null);
    }

    /** The connection cap in force for this endpoint: its own, else the pool's; null = unlimited. */
    public Integer maxConnections(PoolLimitsSpec pool) {
        return maxConnections != null ? maxConnections : pool == null ? null : pool.maxConnections();
    }

    /** The in-flight request cap in force for this endpoint: its own, else the pool's; null = unlimited. */
    public Integer maxRequests(PoolLimitsSpec pool) {
        return maxRequests != null ? maxRequests : pool == null ? null : pool.maxRequests();
    }
}
