package dev.phalanx.node.balancing;

import dev.phalanx.cluster.model.HashOn;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;

/**
 * Consistent hashing on a request key ({@code hashOn}: client address, a header, a cookie or the path) over a
 * {@link HashRing}: the same key keeps going to the same endpoint while it is available, and pool changes move few
 * keys. An unavailable or already tried owner is passed over by walking the ring to the next distinct endpoint, which
 * is where that key would go if the owner were removed. Requests without the key (no such header or cookie) are
 * spread by weighted round robin.
 */
final class ConsistentHashBalancer implements Balancer {
    private final HashOn hashOn;
    private final HashRing ring;
    private final Balancer noKey;

    ConsistentHashBalancer(Endpoint[] endpoints, HashOn hashOn) {
        this.hashOn = hashOn;
        this.ring = new HashRing(endpoints);
        this.noKey = new RoundRobinBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        if (hashOn.kind() == HashOn.Kind.CLIENT_IP) {
            InetAddress address = context.clientAddress();
            return address == null ? noKey.pick(context) : ring.walk(Hashing.hashAddress(address), context);
        }
        String key = switch (hashOn.kind()) {
            case HEADER -> context.header(hashOn.name());
            case COOKIE -> context.cookie(hashOn.name());
            default -> context.path();
        };
        return key == null || key.isEmpty() ? noKey.pick(context) : ring.walk(Hashing.hashChars(key), context);
    }
}
