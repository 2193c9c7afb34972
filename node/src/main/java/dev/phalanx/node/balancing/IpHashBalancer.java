package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;

/**
 * Client-address affinity (nginx {@code ip_hash}): the address hash indexes one cycle of the weighted sequence, so
 * each client sticks to one endpoint and endpoints get clients in proportion to their weight. When that endpoint is
 * unavailable (or already tried by this request) the client goes to the next endpoint in configured order that is
 * usable, the same one for every request of that client, so affinity holds during an outage too. Unlike
 * {@code consistent-hash}, adding an endpoint reshuffles most clients. A request without a client address (cannot
 * happen on a TCP listener) is balanced by round robin.
 */
final class IpHashBalancer implements Balancer {
    private final Endpoint[] endpoints;
    private final int[] slots;
    private final Balancer noAddress;

    IpHashBalancer(Endpoint[] endpoints) {
        this.endpoints = endpoints;
        int[] weights = new int[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            weights[i] = endpoints[i].weight();
        }
        this.slots = SmoothSequence.build(weights, SmoothSequence.DEFAULT_CAP);
        this.noAddress = new RoundRobinBalancer(endpoints);
    }

    @Override
    public Endpoint pick(PickContext context) {
        if (slots.length == 0) {
            return null;
        }
        InetAddress address = context.clientAddress();
        if (address == null) {
            return noAddress.pick(context);
        }
        int chosen = slots[Hashing.bucket(Hashing.hashAddress(address), slots.length)];
        return Eligible.scanFrom(endpoints, chosen, context);
    }
}
