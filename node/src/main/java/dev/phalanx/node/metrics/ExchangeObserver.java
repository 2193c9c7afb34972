package dev.phalanx.node.metrics;

/** Told about every finished exchange (access log). Called on the event loop: must not block. */
@FunctionalInterface
public interface ExchangeObserver {
    ExchangeObserver NONE = exchange -> { };

    void completed(ExchangeSummary exchange);
}
