package dev.phalanx.cluster.model;

import dev.phalanx.cluster.model.NodeConfig.DrainConfig;
import java.time.Duration;
import java.util.List;

/**
 * The {@code drain} section of the node config. Every setting has a default scaled from {@code limits.drainTimeout}
 * (the bound of the whole drain), so a node that only shortens {@code drainTimeout} still gets a sequence that fits in
 * it. The phases before {@code finishing} must leave time of {@code drainTimeout} for the requests still in flight.
 */
final class DrainSectionReader {

    static final List<String> FIELDS =
            List.of("idleCloseGrace", "closingMax", "vipReleaseTimeout", "acceptGrace", "releaseGrace");

    private DrainSectionReader() {
    }

    /** The defaults for a drain bounded by {@code drainTimeout} (docs/configuration.md#drain). */
    static DrainConfig defaults(Duration drainTimeout) {
        return new DrainConfig(
                min(Duration.ofSeconds(1), drainTimeout.dividedBy(10)),
                drainTimeout.dividedBy(3),
                min(Duration.ofSeconds(10), drainTimeout.dividedBy(3)),
                min(Duration.ofSeconds(1), drainTimeout.dividedBy(10)),
                min(Duration.ofSeconds(2), drainTimeout.dividedBy(4)));
    }

    static DrainConfig drain(JsonFields root, Duration drainTimeout) {
        DrainConfig def = defaults(drainTimeout);
        JsonFields d = NodeConfigLoader.section(root, "drain", FIELDS);
        int before = d.errors().size();
        DrainConfig c = new DrainConfig(
                d.duration("idleCloseGrace", def.idleCloseGrace(), false),
                d.duration("closingMax", def.closingMax(), false),
                d.duration("vipReleaseTimeout", def.vipReleaseTimeout(), true),
                d.duration("acceptGrace", def.acceptGrace(), false),
                d.duration("releaseGrace", def.releaseGrace(), false));
        if (d.errors().size() > before) {
            return c; // a bad value took its default: the sums below would only confuse
        }
        Duration withVrrp = c.closingMax().plus(c.vipReleaseTimeout()).plus(c.acceptGrace());
        if (withVrrp.compareTo(drainTimeout) >= 0) {
            d.errors().add(new ConfigError(d.path(), "closingMax " + text(c.closingMax()) + " + vipReleaseTimeout "
                    + text(c.vipReleaseTimeout()) + " + acceptGrace " + text(c.acceptGrace()) + " = "
                    + text(withVrrp) + " leaves no time of limits.drainTimeout (" + text(drainTimeout)
                    + ") for the requests still in flight; shorten them or raise limits.drainTimeout"));
        }
        Duration withoutVrrp = c.closingMax().plus(c.releaseGrace());
        if (withoutVrrp.compareTo(drainTimeout) >= 0) {
            d.errors().add(new ConfigError(d.path(), "closingMax " + text(c.closingMax()) + " + releaseGrace "
                    + text(c.releaseGrace()) + " = " + text(withoutVrrp) + " leaves no time of limits.drainTimeout ("
                    + text(drainTimeout) + ") for the requests still in flight; shorten them or raise"
                    + " limits.drainTimeout"));
        }
        if (!c.closingMax().isZero() && c.idleCloseGrace().compareTo(c.closingMax()) > 0) {
            d.error("idleCloseGrace", text(c.idleCloseGrace()) + " is longer than closingMax ("
                    + text(c.closingMax()) + "): idle connections would never be closed before the VIPs move");
        }
        return c;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String text(Duration d) {
        return Durations.format(d);
    }
}
