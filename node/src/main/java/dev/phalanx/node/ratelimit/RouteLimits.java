package dev.phalanx.node.ratelimit;

import dev.phalanx.cluster.model.RateLimitSpec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The limit of one route: how a request's key is read ({@code client-ip}, {@code header:NAME}, {@code route}), the
 * keys this node tracks (at most {@code maxKeys}; requests of further keys share one overflow key, so an address
 * sweep can neither exhaust memory nor slip past the limit), and the header values it announces.
 */
final class RouteLimits {
    static final String OVERFLOW = "~overflow";
    static final int MAX_KEY_CHARS = 256;

    final String routeId;
    final RateLimitSpec spec;
    final long limit;
    final long windowMillis;
    /** How long a request without a token may wait for the key's lease (0: refused at once). */
    final long maxWaitMillis;
    final String policyName;
    final String policy;
    private final String keyPrefix;
    private final AsciiString header;
    private final boolean byRoute;
    private final int maxKeys;
    private final Map<String, KeyQuota> keys = new ConcurrentHashMap<>();
    private volatile long lastUsedMillis;

    RouteLimits(String routeId, RateLimitSpec spec, int maxKeys, long nowMillis) {
        this.routeId = routeId;
        this.spec = spec;
        this.limit = spec.limit();
        this.windowMillis = Math.max(1, spec.window().toMillis());
        this.maxWaitMillis = spec.maxWait().toMillis();
        this.policyName = RateLimitHeaders.name(routeId);
        this.policy = RateLimitHeaders.policy(policyName, limit, windowMillis);
        this.keyPrefix = "rl|" + routeId + "|" + spec.key() + "|" + windowMillis + "|";
        this.header = spec.key().startsWith("header:") ? AsciiString.of(spec.key().substring(7)) : null;
        this.byRoute = spec.key().equals("route");
        this.maxKeys = maxKeys;
        this.lastUsedMillis = nowMillis;
    }

    /** The key's value of this request; "" for {@code route}, and for a missing header or address. */
    String keyOf(InetAddress client, HttpHeaders headers) {
        if (byRoute) {
            return "";
        }
        String v;
        if (header != null) {
            v = headers.get(header);
        } else {
            v = client == null ? null : client.getHostAddress();
        }
        if (v == null) {
            return "";
        }
        return v.length() > MAX_KEY_CHARS ? v.substring(0, MAX_KEY_CHARS) : v;
    }

    /** The tracked state of a key value, created on first use; the overflow key once {@code maxKeys} are tracked. */
    KeyQuota quota(String value, long window) {
        KeyQuota q = keys.get(value);
        if (q != null) {
            return q;
        }
        String v = value;
        if (keys.size() >= maxKeys) {
            v = OVERFLOW;
            q = keys.get(OVERFLOW);
            if (q != null) {
                return q;
            }
        }
        q = new KeyQuota(keyPrefix + v, window);
        KeyQuota raced = keys.putIfAbsent(v, q);
        return raced != null ? raced : q;
    }

    Map<String, KeyQuota> keys() {
        return keys;
    }

    void touch(long nowMillis) {
        if (nowMillis - lastUsedMillis > 1000) {
            lastUsedMillis = nowMillis;
        }
    }

    long lastUsedMillis() {
        return lastUsedMillis;
    }
}
