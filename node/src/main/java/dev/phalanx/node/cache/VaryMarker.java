package dev.phalanx.node.cache;

import java.util.List;

/**
 * Stored under a URL whose responses vary: the request fields that pick the variant (the response's {@code Vary}
 * names and the route's key additions), and a generation that is part of every variant's key, so that replacing or
 * removing the marker makes every old variant unreachable at once (they then leave by eviction or a purge).
 */
record VaryMarker(List<String> headers, List<String> cookies, long generation) implements Stored {
    @Override
    public int weight() {
        return 128;
    }

    @Override
    public void dropped() {
    }
}
