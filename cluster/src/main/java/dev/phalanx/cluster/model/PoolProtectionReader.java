package dev.phalanx.cluster.model;

import dev.phalanx.cluster.model.OutlierSpec.FailureRateSpec;
import java.time.Duration;
import java.util.List;

/**
 * Reads a pool's backend-protection sections for {@link PoolCodec}: {@code outlier} (with its {@code failureRate}),
 * {@code retryBudget} and {@code slowStart} (docs/configuration.md#protecting-the-backends). Each is null when absent;
 * problems are reported with their paths.
 */
final class PoolProtectionReader {

    /** Outlier-ejection defaults when {@code outlier} is present. */
    static final OutlierSpec OUTLIER_DEFAULTS = new OutlierSpec(5, Duration.ofSeconds(30), 50);
    /** Failure-rate defaults when {@code outlier.failureRate} is present. */
    static final FailureRateSpec FAILURE_RATE_DEFAULTS = new FailureRateSpec(50, 20, Duration.ofSeconds(10));
    /** Slow-start defaults when {@code slowStart} is present. */
    static final SlowStartSpec SLOW_START_DEFAULTS = new SlowStartSpec(Duration.ofSeconds(30), 10);

    private static final List<String> OUTLIER_FIELDS =
            List.of("consecutiveFailures", "ejection", "maxEjectedPercent", "failureRate");
    private static final List<String> FAILURE_RATE_FIELDS = List.of("threshold", "minRequests", "window");
    private static final List<String> RETRY_BUDGET_FIELDS = List.of("percent", "minRetriesPerSecond");
    private static final List<String> SLOW_START_FIELDS = List.of("window", "minWeightPercent");
    private static final Duration MAX_EJECTION = Duration.ofHours(1);
    private static final Duration MAX_WINDOW = Duration.ofMinutes(10);

    private PoolProtectionReader() {
    }

    static OutlierSpec outlier(JsonFields f) {
        JsonFields o = f.object("outlier", OUTLIER_FIELDS);
        if (o == null) {
            return null;
        }
        OutlierSpec d = OUTLIER_DEFAULTS;
        int failures = o.integer("consecutiveFailures", d.consecutiveFailures(), 1, 1000);
        Duration ejection = o.duration("ejection", d.ejection(), true);
        if (ejection.compareTo(MAX_EJECTION) > 0) {
            o.error("ejection", Durations.format(ejection) + " is longer than the maximum 1h");
        }
        int maxPercent = o.integer("maxEjectedPercent", d.maxEjectedPercent(), 1, 100);
        return new OutlierSpec(failures, ejection, maxPercent, failureRate(o));
    }

    private static FailureRateSpec failureRate(JsonFields o) {
        JsonFields r = o.object("failureRate", FAILURE_RATE_FIELDS);
        if (r == null) {
            return null;
        }
        FailureRateSpec d = FAILURE_RATE_DEFAULTS;
        int threshold = r.integer("threshold", d.thresholdPercent(), 1, 100);
        int minRequests = r.integer("minRequests", d.minRequests(), 1, 1_000_000);
        Duration window = window(r, d.window());
        return new FailureRateSpec(threshold, minRequests, window);
    }

    static RetryBudgetSpec retryBudget(JsonFields f) {
        JsonFields b = f.object("retryBudget", RETRY_BUDGET_FIELDS);
        if (b == null) {
            return null;
        }
        Integer percent = b.integer("percent", null, 0, 100);
        Integer min = b.integer("minRetriesPerSecond", null, 0, 1_000_000);
        return new RetryBudgetSpec(percent, min);
    }

    static SlowStartSpec slowStart(JsonFields f, LbPolicy lb) {
        JsonFields s = f.object("slowStart", SLOW_START_FIELDS);
        if (s == null) {
            return null;
        }
        if (lb == LbPolicy.CONSISTENT_HASH || lb == LbPolicy.IP_HASH) {
            f.error("slowStart", "does not apply to lb " + lb.configName() + " (a hashing policy keeps each key on"
                    + " its endpoint); use round-robin, least-request or p2c, or remove slowStart");
        }
        SlowStartSpec d = SLOW_START_DEFAULTS;
        Duration window = window(s, d.window());
        int minPercent = s.integer("minWeightPercent", d.minWeightPercent(), 1, 100);
        return new SlowStartSpec(window, minPercent);
    }

    private static Duration window(JsonFields r, Duration def) {
        Duration window = r.duration("window", def, true);
        if (window.compareTo(Duration.ofSeconds(1)) < 0) {
            r.error("window", Durations.format(window) + " is shorter than the minimum 1s");
        } else if (window.compareTo(MAX_WINDOW) > 0) {
            r.error("window", Durations.format(window) + " is longer than the maximum 10m");
        }
        return window;
    }
}
