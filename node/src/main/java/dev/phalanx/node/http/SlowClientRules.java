package dev.phalanx.node.http;

import dev.phalanx.cluster.model.Durations;
import dev.phalanx.cluster.model.NodeConfig;

/**
 * The slow-client deadlines of {@code limits:} turned into check counts. A connection whose request is incomplete
 * is checked every {@code periodMillis} by one task of its own (never a timer per request, and no clock read per
 * read: reads only count bytes):
 * <ul>
 *   <li>a request head still in progress at more than {@code headChecks} checks in a row has taken at least
 *       {@code requestHeadTimeout} (and at most one period more);</li>
 *   <li>a body being read (the node was reading, not holding it back) must bring at least
 *       {@code minBytesPerWindow} bytes in every {@code windowChecks} checks: {@code requestBodyMinRate} bytes per
 *       second over {@code requestBodyRateWindow}.</li>
 * </ul>
 *
 * @param minBytesPerWindow 0 when the body rule is off ({@code requestBodyMinRate: 0})
 */
public record SlowClientRules(long periodMillis, int headChecks, int windowChecks, long minBytesPerWindow,
                              String headReason, String bodyReason) {
    /** Checks per deadline: the deadline's precision is a quarter of it. */
    static final int CHECKS_PER_DEADLINE = 4;

    public static SlowClientRules of(NodeConfig.LimitsConfig limits) {
        long head = limits.requestHeadTimeout().toMillis();
        long window = limits.requestBodyRateWindow().toMillis();
        boolean bodyRule = limits.requestBodyMinRate() > 0;
        long period = Math.max(1, (bodyRule ? Math.min(head, window) : head) / CHECKS_PER_DEADLINE);
        int headChecks = (int) ((head + period - 1) / period);
        int windowChecks = (int) ((window + period - 1) / period);
        long minBytes = bodyRule ? Math.max(1, limits.requestBodyMinRate() * windowChecks * period / 1000) : 0;
        return new SlowClientRules(period, headChecks, windowChecks, minBytes,
                "request head not received within " + Durations.format(limits.requestHeadTimeout()),
                "request body slower than " + limits.requestBodyMinRate() + " bytes/s");
    }

    boolean bodyRuleOn() {
        return minBytesPerWindow > 0;
    }
}
