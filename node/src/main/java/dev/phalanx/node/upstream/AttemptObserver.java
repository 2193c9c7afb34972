package dev.phalanx.node.upstream;

/** Told the outcome of every upstream attempt (passive health / outlier ejection). Called on event loops. */
@FunctionalInterface
public interface AttemptObserver {
    AttemptObserver NONE = (endpoint, success) -> { };

    void onAttempt(Endpoint endpoint, boolean success);
}
