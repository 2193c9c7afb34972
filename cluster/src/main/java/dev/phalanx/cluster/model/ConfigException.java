package dev.phalanx.cluster.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Configuration that cannot be used. The message is one {@code path: message} line per problem, ready to print
 * to an operator as it is (never a stack trace).
 */
public final class ConfigException extends Exception {

    private final transient List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
