package dev.phalanx.cluster.state;

import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The level of the grid library's own log ({@code grid.logLevel}); it logs through java.util.logging. */
final class GridLogging {
    /** Held here: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final Logger HAZELCAST = Logger.getLogger("com.hazelcast");

    private GridLogging() {
    }

    /** @param level {@code debug|info|warn|error|off} (validated by the config loader) */
    static void setLevel(String level) {
        HAZELCAST.setLevel(switch (level.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.FINE;
            case "warn" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            case "off" -> Level.OFF;
            default -> Level.INFO;
        });
    }
}
