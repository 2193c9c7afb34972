package dev.phalanx.cluster.state;

import java.io.Serializable;
import java.util.Objects;

/**
 * One node's opinion of one endpoint, as shared through the {@link HealthBoard}.
 *
 * @param healthy true when the endpoint may take traffic as far as this source knows
 * @param source {@link Source#ACTIVE} for probe verdicts (the ones other nodes apply), {@link Source#PASSIVE} for
 *     outlier ejections (published for operators; every node ejects on its own traffic only)
 * @param nodeId the node that reached the verdict
 * @param atMillis wall-clock time of the verdict (epoch milliseconds), for operators and staleness checks
 * @param reason one line for operators, e.g. {@code 3 consecutive failed probes (last: connection refused)}
 */
public record HealthVerdict(boolean healthy, Source source, String nodeId, long atMillis, String reason)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where a verdict comes from. */
    public enum Source {
        /** Active HTTP probes by the node that owns the endpoint. */
        ACTIVE,
        /** Passive outlier detection on real traffic of one node. */
        PASSIVE
    }

    public HealthVerdict {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(nodeId, "nodeId");
        reason = reason == null ? "" : reason;
    }

    public static HealthVerdict active(boolean healthy, String nodeId, String reason) {
        return new HealthVerdict(healthy, Source.ACTIVE, nodeId, System.currentTimeMillis(), reason);
    }

    public static HealthVerdict passive(boolean healthy, String nodeId, String reason) {
        return new HealthVerdict(healthy, Source.PASSIVE, nodeId, System.currentTimeMillis(), reason);
    }
}
