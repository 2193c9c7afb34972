package dev.phalanx.cluster.model;

/**
 * A pool's own retry budget: retries to it may add at most {@code percent} of its recent requests, but at least
 * {@code minRetriesPerSecond}. A field left out of the config is null here and takes the node's
 * {@code upstream.retryBudgetPercent} / {@code upstream.retryBudgetMinPerSecond}.
 */
public record RetryBudgetSpec(Integer percent, Integer minRetriesPerSecond) {

    /** The percent in force: this pool's, or the node's default. */
    public int percentOr(int nodeDefault) {
        return percent == null ? nodeDefault : percent;
    }

    /** The minimum retries per second in force: this pool's, or the node's default. */
    public int minRetriesPerSecondOr(int nodeDefault) {
        return minRetriesPerSecond == null ? nodeDefault : minRetriesPerSecond;
    }
}
