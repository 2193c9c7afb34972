package dev.phalanx.node.health;

/** Why passive detection ejected an endpoint; {@link #configName()} is its name in metrics and {@code /cluster}. */
public enum EjectionReason {
    /** {@code outlier.consecutiveFailures} failed attempts in a row. */
    CONSECUTIVE_FAILURES("consecutive-failures"),
    /** {@code outlier.failureRate}: the failed share of the window's attempts reached the threshold. */
    FAILURE_RATE("failure-rate");

    private final String configName;

    EjectionReason(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }
}
