package dev.phalanx.cluster.model;

/**
 * One problem found in configuration: where ({@code path}, e.g. {@code routes[api].timeouts.connect}) and what.
 * {@link #toString()} gives the operator-facing line {@code path: message}.
 */
public record ConfigError(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
