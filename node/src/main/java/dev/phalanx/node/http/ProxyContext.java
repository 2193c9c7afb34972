package dev.phalanx.node.http;

import dev.phalanx.cluster.model.Cidr;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.node.cache.ResponseStore;
import dev.phalanx.node.metrics.ExchangeObserver;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.ratelimit.RateLimiter;
import dev.phalanx.node.routing.RouteTableHolder;
import dev.phalanx.node.upstream.AttemptObserver;
import dev.phalanx.node.upstream.ConnectionPools;
import java.util.List;

/**
 * The node-wide services a proxy handler needs, built once by {@code Node} and shared by every connection of a
 * listener. Immutable; the route table is read through its holder at each request. {@code cache}: the node's
 * response store, null when {@code cache.maxBytes} is 0.
 */
public record ProxyContext(String listenerName, boolean tls, RouteTableHolder routes, ConnectionPools pools,
                           Meters meters, AttemptObserver attempts,
                           ExchangeObserver observer, DrainState drain, List<Cidr> trustedProxies,
                           NodeConfig.LimitsConfig limits, boolean forwardedByDefault,
                           RateLimiter limiter, ResponseStore cache) {

    public String scheme() {
        return tls ? "https" : "http";
    }
}
