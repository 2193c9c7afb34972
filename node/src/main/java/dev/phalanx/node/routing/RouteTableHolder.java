package dev.phalanx.node.routing;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place the current {@link RouteTable} lives. The request path calls {@link #get()} once per request (a
 * volatile read) and uses that table for the whole request; the config applier compiles a new table off the event
 * loop and publishes it with {@link #swap}, so a request never sees half a config.
 */
public final class RouteTableHolder {
    private final AtomicReference<RouteTable> current;

    /** Starts with the empty table: every request gets 404 until the first config is applied. */
    public RouteTableHolder() {
        this(RouteTable.empty());
    }

    public RouteTableHolder(RouteTable initial) {
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    }

    public RouteTable get() {
        return current.get();
    }

    /** Publishes {@code next}; returns the table it replaced. */
    public RouteTable swap(RouteTable next) {
        return current.getAndSet(Objects.requireNonNull(next, "next"));
    }
}
