package dev.phalanx.cluster.model;

import java.util.List;

/**
 * A route as configured. Exactly one of {@code pool} and {@code split} was written; {@link #targets()} gives both
 * forms as a list. Nullable: {@code pool}, {@code stripPrefix}, {@code hostRewrite}, {@code rateLimit},
 * {@code maxBodyBytes} (null = the node's {@code limits.maxBodyBytes}), {@code forwarded} (null = the node's
 * global {@code forwarded} setting), {@code clientCertHeader} (null = off: the
 * request header, lower-cased, that carries the verified mTLS client subject upstream; always stripped from incoming
 * requests of the route). {@code split} is empty when {@code pool} is set. {@code upgrades}: the protocols an
 * {@code Upgrade} request may switch to through this route (lower-case names, default {@link #DEFAULT_UPGRADES});
 * any other {@code Upgrade} goes upstream as a plain request without it, and {@code h2c}/{@code h2} never pass.
 * {@code compression}: how responses are compressed downstream ({@link CompressionSpec#DEFAULT} when not written).
 * {@code cache}: the route's response cache, null = off (docs/cache.md).
 * Other fields are never null (defaults filled in by the codec).
 *
 * <p>Fields, in the order of {@link RouteCodec#FIELDS}: id, priority, match, pool, split, stripPrefix, hostRewrite,
 * timeouts, retries, rateLimit, maxBodyBytes, requestHeaders, responseHeaders, forwarded, clientCertHeader, upgrades,
 * compression, cache.
 */
public record RouteSpec(String id, int priority, MatchSpec match, String pool, List<SplitSpec> split,
                        String stripPrefix, String hostRewrite, TimeoutsSpec timeouts, RetriesSpec retries,
                        RateLimitSpec rateLimit, Long maxBodyBytes, HeaderOpsSpec requestHeaders,
                        HeaderOpsSpec responseHeaders, Boolean forwarded,
                        String clientCertHeader, List<String> upgrades, CompressionSpec compression,
                        CacheSpec cache) {
    /** The upgrades a route tunnels when it does not say: WebSocket only. */
    public static final List<String> DEFAULT_UPGRADES = List.of("websocket");

    /** The pools this route sends to, with relative weights: {@code [pool:1]} or the split. */
    public List<SplitSpec> targets() {
        return pool != null ? List.of(new SplitSpec(pool, 1)) : split;
    }
}
