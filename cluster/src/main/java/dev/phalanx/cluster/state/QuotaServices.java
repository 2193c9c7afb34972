package dev.phalanx.cluster.state;

import com.hazelcast.core.HazelcastInstance;
import java.time.Duration;

/** Builds the {@link QuotaService} of a node: local counters without a grid, the cluster-wide budget with one. */
public final class QuotaServices {
    /** The Hazelcast map holding the budgets (attach a split-brain protection to it in the grid config). */
    public static final String MAP_NAME = "phalanx-quota";
    /** How long a lease may wait for the grid before the node grants from its fallback share. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(1);

    private QuotaServices() {
    }

    public static QuotaService local() {
        return new LocalQuotaService();
    }

    /**
     * @param hz              the node's running member (not closed by the returned service)
     * @param expectedMembers the cluster size the fallback share is computed for ({@code limit / expectedMembers})
     */
    public static QuotaService grid(HazelcastInstance hz, int expectedMembers) {
        return grid(hz, expectedMembers, DEFAULT_CALL_TIMEOUT);
    }

    public static QuotaService grid(HazelcastInstance hz, int expectedMembers, Duration callTimeout) {
        return new HazelcastQuotaService(hz, expectedMembers, callTimeout.toMillis(), System::currentTimeMillis);
    }
}
