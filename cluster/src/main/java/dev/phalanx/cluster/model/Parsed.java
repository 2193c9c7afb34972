package dev.phalanx.cluster.model;

import java.util.List;

/**
 * The outcome of parsing and validating one configuration object: the value when it is valid, otherwise null and
 * every problem found (not only the first).
 */
public record Parsed<T>(T value, List<ConfigError> errors) {

    public Parsed {
        errors = List.copyOf(errors);
        if (!errors.isEmpty()) {
            value = null;
        }
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
