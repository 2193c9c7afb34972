package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;

/** The shared "available, and preferably not tried yet" walks of the balancers. */
final class Eligible {
    private Eligible() {
    }

    /**
     * Walks {@code endpoints} once, in order, starting at {@code start} and wrapping around.
     *
     * @return the first available endpoint not yet tried; else the first available one (a retry may reuse an
     *     endpoint when it is the only one left); else null
     */
    static Endpoint scanFrom(Endpoint[] endpoints, int start, PickContext context) {
        int n = endpoints.length;
        Endpoint tried = null;
        for (int k = 0; k < n; k++) {
            int i = start + k;
            Endpoint e = endpoints[i >= n ? i - n : i];
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
