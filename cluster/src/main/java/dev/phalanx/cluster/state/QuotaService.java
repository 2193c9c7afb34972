package dev.phalanx.cluster.state;

import java.util.concurrent.CompletionStage;

/**
 * Cluster-wide rate-limit budgets, handed out in leases. The budget of one limit key in one window is
 * {@code limit} tokens for the whole cluster; a node asks for a batch with {@link #lease}, spends it locally on its
 * event loops without waiting, asks for the next batch before the last one runs out, and gives back what it did not
 * spend with {@link #giveBack}. The sum of all grants of one window never exceeds {@code limit}.
 *
 * <p>Calls may touch the network: never call them on an event loop, and never make a request wait on them. The local
 * implementation (no grid) grants from in-memory counters. A grid implementation that cannot reach the grid grants
 * from a fallback budget of {@code limit / expectedMembers} per node and reports {@link #degraded()}.
 */
public interface QuotaService extends AutoCloseable {

    /**
     * Asks for up to {@code wanted} tokens of {@code key} in window {@code window} (windows are numbered
     * {@code floor(epochMillis / windowMillis)}; all nodes share the numbering).
     *
     * @return how many tokens were granted, 0 when the window's budget is spent
     */
    CompletionStage<Integer> lease(String key, long window, long windowMillis, long limit, int wanted);

    /** Returns {@code unused} tokens of an earlier lease of the same window; ignored once the window is over. */
    void giveBack(String key, long window, long windowMillis, int unused);

    /** True while grants come from the local fallback share instead of the cluster-wide budget. */
    boolean degraded();

    /**
     * {@code local} or {@code grid}. A {@code local} service never touches the network, takes no lock and completes
     * {@link #lease} at once: it is the one kind a caller may use inline on an event loop.
     */
    String kind();

    @Override
    void close();
}
