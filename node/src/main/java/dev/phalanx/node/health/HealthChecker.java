package dev.phalanx.node.health;

import dev.phalanx.cluster.model.HealthCheckSpec;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.cluster.state.ProbeAssignment;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.upstream.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Active health checks: every endpoint of a pool with a {@code healthCheck} gets an HTTP probe every
 * {@code interval} on one of the worker event loops. {@code fall} consecutive failures make it unhealthy (no
 * traffic), {@code rise} consecutive passes healthy again; verdict changes go to {@link Endpoint#setActiveHealthy},
 * the {@link HealthBoard} and the log.
 *
 * <p>An endpoint starts healthy (unless the board already holds an active verdict for it), so a fresh config serves
 * at once, and a dead endpoint leaves after {@code fall} probes. This is Envoy's choice for endpoints known from
 * config, not HAProxy's (which starts a server as up but "going down" after one failure).
 *
 * <p>Only endpoints the {@link ProbeAssignment} gives this node are probed; the others follow the active verdicts
 * other nodes publish on the board. When the assignment changes ({@link #assignmentChanged}, e.g. a grid member
 * left) endpoints this node now owns are probed within a fraction of their interval. Another node's passive ejection
 * on the board never takes an endpoint out here; if this node owns the endpoint it probes it early, and only that
 * probe's verdict (published as usual) reaches every node. Endpoints of pools without a health check are always
 * active-healthy.
 *
 * <p>Threads: {@link #reconcile} and {@link #close} run off the event loops (the config thread); probes and their
 * state live on the event loops; board writes go through a thread of their own.
 */
public final class HealthChecker implements AutoCloseable {
    private final EventLoopGroup group;
    private final ProbeContext context;
    private final BoardWriter writer;
    private final HealthBoard.Registration boardListener;
    private final Map<String, EndpointProbe> probes = new ConcurrentHashMap<>();
    private boolean closed;

    /**
     * @param group the worker event loops; probes run there
     * @param channelClass the socket channel class that suits {@code group}: {@code EpollSocketChannel} for an epoll
     *     group ({@code Epoll.isAvailable()}), {@code NioSocketChannel} for an NIO group
     * @param assignment which endpoints this node probes ({@link ProbeAssignment#ALL} without a grid)
     */
    public HealthChecker(EventLoopGroup group, Class<? extends Channel> channelClass, HealthBoard board,
                         ProbeAssignment assignment, Meters meters, String nodeId) {
        this.group = group;
        this.writer = new BoardWriter(board, "phalanx-health-active-board");
        this.context = new ProbeContext(channelClass, board, writer, assignment, meters, nodeId);
        this.boardListener = board.addListener(this::boardChanged);
    }

    /**
     * Brings probes in line with the config: starts probes for new endpoints (the first after a random part of the
     * interval, so probes spread out), stops those of removed endpoints and pools, and keeps the counters and
     * verdicts of endpoints that stay, with their new settings. Call off the event loops, after each config change.
     */
    public synchronized void reconcile(List<HealthTarget> targets) {
        if (closed) {
            return;
        }
        Map<String, EndpointProbe> keep = new HashMap<>();
        Map<String, Endpoint> unchecked = new HashMap<>();
        for (HealthTarget target : targets) {
            PoolSpec pool = target.spec();
            HealthCheckSpec check = pool.healthCheck();
            for (Endpoint endpoint : target.endpoints()) {
                String key = HealthBoard.key(pool.id(), endpoint.address());
                if (keep.containsKey(key)) {
                    continue; // the same address twice in one pool: validation rejects it, probe it once anyway
                }
                EndpointProbe probe = probes.get(key);
                if (check == null) {
                    unchecked.put(key, endpoint);
                    if (probe == null) {
                        endpoint.setActiveHealthy(true);
                    }
                } else if (probe != null) {
                    probe.execute(() -> probe.update(endpoint, check));
                    keep.put(key, probe);
                } else {
                    keep.put(key, start(key, pool.id(), endpoint, check));
                }
            }
        }
        probes.forEach((key, probe) -> {
            if (!keep.containsKey(key)) {
                stop(key, probe, unchecked.get(key));
            }
        });
        probes.keySet().retainAll(keep.keySet());
        probes.putAll(keep);
    }

    /**
     * The {@link ProbeAssignment} changed (a member joined or left the grid): endpoints this node now owns are
     * probed within a fraction of their interval instead of after a full one. Any thread; never blocks.
     */
    public void assignmentChanged() {
        probes.values().forEach(probe -> probe.execute(probe::reassess));
    }

    /** True when the endpoint with this key has a health-check state here (probed or following the board). */
    public boolean isChecking(String key) {
        return probes.containsKey(key);
    }

    /** Stops every probe. The event loops themselves are the caller's to shut down. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        boardListener.close();
        probes.values().forEach(probe -> probe.execute(() -> probe.stop(false)));
        probes.clear();
        writer.close();
    }

    private EndpointProbe start(String key, String poolId, Endpoint endpoint, HealthCheckSpec check) {
        HealthVerdict known = context.board().read(key);
        EndpointProbe probe = new EndpointProbe(key, poolId, group.next(), context, endpoint, check,
                known == null || known.healthy());
        long jitter = ThreadLocalRandom.current().nextLong(Math.max(1, check.interval().toNanos()));
        probe.execute(() -> probe.start(jitter));
        return probe;
    }

    /**
     * Stops a probe and forgets its verdict. With {@code nowUnchecked} set, the endpoint stays but its pool lost the
     * health check: it is marked healthy once the probe can no longer change it.
     */
    private void stop(String key, EndpointProbe probe, Endpoint nowUnchecked) {
        probe.execute(() -> {
            probe.stop(false);
            if (nowUnchecked != null) {
                nowUnchecked.setActiveHealthy(true);
            }
        });
        writer.remove(key, HealthVerdict.Source.ACTIVE);
    }

    private void boardChanged(String key, HealthVerdict.Source source, HealthVerdict verdict) {
        if (verdict == null || verdict.nodeId().equals(context.nodeId())) {
            return;
        }
        EndpointProbe probe = probes.get(key);
        if (source == HealthVerdict.Source.PASSIVE) {
            // another node's ejection: only this node's probe (if it owns the endpoint) may take it out everywhere
            if (!verdict.healthy() && probe != null) {
                probe.execute(probe::confirmSoon);
            }
            return;
        }
        if (probe != null) {
            probe.execute(() -> probe.onBoardVerdict(verdict));
        }
    }
}
