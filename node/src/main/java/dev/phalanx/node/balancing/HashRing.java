package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;
import java.util.Arrays;

/**
 * A consistent-hash ring (ketama style): each endpoint owns {@value #POINTS_PER_WEIGHT} points per unit of weight
 * (after dividing the weights by their gcd), placed at the hash of {@code "address#k"}. A key belongs to the first
 * point at or after its hash. Points depend only on the endpoint's address, so adding or removing one endpoint of
 * N moves about 1/N of the keys and leaves the others where they were. With 160 points per endpoint the load of an
 * endpoint is within about 10% of its share.
 */
final class HashRing {
    static final int POINTS_PER_WEIGHT = 160;
    /** At most this many points in all (1.5 MiB); beyond it, weights are scaled down like in {@link SmoothSequence}. */
    static final int MAX_POINTS = 1 << 17;

    private final Endpoint[] endpoints;
    private final long[] points;
    private final int[] owners;

    HashRing(Endpoint[] endpoints) {
        this.endpoints = endpoints;
        int[] weights = new int[endpoints.length];
        for (int i = 0; i < endpoints.length; i++) {
            weights[i] = endpoints[i].weight();
        }
        int[] units = SmoothSequence.reduce(weights, Math.max(MAX_POINTS / POINTS_PER_WEIGHT, endpoints.length));
        int total = 0;
        for (int u : units) {
            total += u * POINTS_PER_WEIGHT;
        }
        long[] hashes = new long[total];
        int p = 0;
        for (int i = 0; i < endpoints.length; i++) {
            String address = endpoints[i].address();
            for (int k = 0; k < units[i] * POINTS_PER_WEIGHT; k++) {
                hashes[p++] = Hashing.hashChars(address + '#' + k);
            }
        }
        // sort points by hash, carrying the owner along: sort indexes by (hash, owner address) for determinism
        Integer[] order = new Integer[total];
        int[] ownerOf = new int[total];
        p = 0;
        for (int i = 0; i < endpoints.length; i++) {
            for (int k = 0; k < units[i] * POINTS_PER_WEIGHT; k++) {
                ownerOf[p] = i;
                order[p] = p;
                p++;
            }
        }
        Arrays.sort(order, (x, y) -> {
            int c = Long.compare(hashes[x], hashes[y]);
            return c != 0 ? c : endpoints[ownerOf[x]].address().compareTo(endpoints[ownerOf[y]].address());
        });
        this.points = new long[total];
        this.owners = new int[total];
        for (int q = 0; q < total; q++) {
            points[q] = hashes[order[q]];
            owners[q] = ownerOf[order[q]];
        }
    }

    int size() {
        return points.length;
    }

    /**
     * Walks the ring clockwise from {@code hash} and returns the first owner that is available and not tried; else
     * the first available one; else null. Consecutive points of the same owner are checked once.
     */
    Endpoint walk(long hash, PickContext context) {
        int len = points.length;
        if (len == 0) {
            return null;
        }
        int start = Arrays.binarySearch(points, hash);
        if (start < 0) {
            start = -start - 1;
        }
        if (start == len) {
            start = 0;
        }
        Endpoint tried = null;
        int lastOwner = -1;
        for (int k = 0; k < len; k++) {
            int q = start + k;
            int owner = owners[q >= len ? q - len : q];
            if (owner == lastOwner) {
                continue;
            }
            lastOwner = owner;
            Endpoint e = endpoints[owner];
            if (e.isAvailable()) {
                if (!context.alreadyTried(e)) {
                    return e;
                }
                if (tried == null) {
                    tried = e;
                }
            }
        }
        return tried;
    }
}
