package dev.phalanx.node.health;

import dev.phalanx.cluster.model.HealthCheckSpec;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.node.upstream.Endpoint;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The active-check state of one endpoint: rise/fall counters, the current verdict and the probe schedule. Pinned to
 * one event loop: every field is touched only there, and other threads reach it through {@link #execute}.
 *
 * <p>On each tick it either probes (when the {@link dev.phalanx.cluster.state.ProbeAssignment} gives it this node) or
 * follows the verdict another node published on the board. The next tick is one interval after the start of the
 * previous probe (at once when the probe took longer), so probes never overlap.
 */
final class EndpointProbe {
    private static final System.Logger LOG = System.getLogger(EndpointProbe.class.getName());

    private final String key;
    private final String poolId;
    private final EventLoop loop;
    private final ProbeContext context;
    private Endpoint endpoint;
    private HealthCheckSpec spec;
    private boolean healthy;
    private int passes;
    private int failures;
    private long probeStartNanos;
    private HttpProbe inFlight;
    private ScheduledFuture<?> nextTick;
    private boolean stopped;
    /** True when the last tick probed here, false when it followed the board. */
    private boolean probing;

    /**
     * @param healthy the verdict to start from: the board's when it has one, else healthy (a fresh config serves at
     *     once; an endpoint that is down leaves after {@code fall} failed probes)
     */
    EndpointProbe(String key, String poolId, EventLoop loop, ProbeContext context, Endpoint endpoint,
                  HealthCheckSpec spec, boolean healthy) {
        this.key = key;
        this.poolId = poolId;
        this.loop = loop;
        this.context = context;
        this.endpoint = endpoint;
        this.spec = spec;
        this.healthy = healthy;
    }

    /** Runs {@code task} on this probe's event loop; false when the loop is shut down. Any thread. */
    boolean execute(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException shutDown) {
            return false;
        }
    }

    /** Applies the starting verdict and schedules the first tick after {@code delayNanos}. On the loop. */
    void start(long delayNanos) {
        endpoint.setActiveHealthy(healthy);
        schedule(delayNanos);
    }

    /** Takes a new spec and endpoint object after a config change; keeps counters and verdict. On the loop. */
    void update(Endpoint newEndpoint, HealthCheckSpec newSpec) {
        if (stopped) {
            return;
        }
        if (newEndpoint != endpoint) {
            endpoint = newEndpoint;
            endpoint.setActiveHealthy(healthy);
        }
        long newInterval = newSpec.interval().toNanos();
        boolean intervalChanged = newInterval != spec.interval().toNanos();
        spec = newSpec;
        if (intervalChanged && nextTick != null) {
            long remaining = nextTick.getDelay(TimeUnit.NANOSECONDS);
            nextTick.cancel(false);
            schedule(Math.min(Math.max(0, remaining), newInterval));
        }
    }

    /** Stops probing for good; the endpoint's flag is left as it is (or set healthy when asked). On the loop. */
    void stop(boolean markHealthy) {
        stopped = true;
        if (nextTick != null) {
            nextTick.cancel(false);
            nextTick = null;
        }
        if (inFlight != null) {
            inFlight.cancel();
            inFlight = null;
        }
        if (markHealthy) {
            endpoint.setActiveHealthy(true);
        }
    }

    /** Another node's active verdict arrived; applied unless this node probes the endpoint itself. On the loop. */
    void onBoardVerdict(HealthVerdict verdict) {
        if (!stopped && !context.assignment().probesLocally(key)) {
            follow(verdict);
        }
    }

    /**
     * The probe assignment changed: when this node now probes an endpoint it only followed, the next probe comes
     * soon (within a quarter interval, at most a second) rather than after a full interval. On the loop.
     */
    void reassess() {
        if (stopped || probing || inFlight != null || nextTick == null || !context.assignment().probesLocally(key)) {
            return;
        }
        long soon = ThreadLocalRandom.current().nextLong(Math.max(1, Math.min(spec.interval().toNanos() / 4,
                TimeUnit.SECONDS.toNanos(1))));
        if (nextTick.getDelay(TimeUnit.NANOSECONDS) > soon) {
            nextTick.cancel(false);
            schedule(soon);
        }
    }

    /**
     * Another node ejected the endpoint on its own traffic: when this node probes it, it probes now (not sooner
     * than half an interval after the last probe) so that the active verdict, which every node applies, confirms
     * or refutes the ejection quickly. A passive ejection alone never takes an endpoint out on other nodes.
     */
    void confirmSoon() {
        if (stopped || !probing || inFlight != null || nextTick == null) {
            return;
        }
        long sinceLast = System.nanoTime() - probeStartNanos;
        long wait = Math.max(0, spec.interval().toNanos() / 2 - sinceLast);
        if (nextTick.getDelay(TimeUnit.NANOSECONDS) > wait) {
            nextTick.cancel(false);
            schedule(wait);
        }
    }

    private void schedule(long delayNanos) {
        if (!stopped) {
            nextTick = loop.schedule(this::tick, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        }
    }

    private void tick() {
        nextTick = null;
        if (stopped) {
            return;
        }
        probing = context.assignment().probesLocally(key);
        if (!probing) {
            follow(context.board().read(key));
            schedule(spec.interval().toNanos());
            return;
        }
        probeStartNanos = System.nanoTime();
        HttpProbe probe = new HttpProbe(loop, context.channelClass(), endpoint.socketAddress(), endpoint.address(),
                spec.path(), spec.timeout().toMillis(), spec.expectStatus(), this::probed);
        inFlight = probe;
        probe.start();
    }

    private void probed(boolean passed, String detail) {
        inFlight = null;
        if (stopped) {
            return;
        }
        context.meters().healthProbe(poolId, passed);
        if (passed) {
            failures = 0;
            if (!healthy && ++passes >= Math.max(1, spec.rise())) {
                change(true, probes(passes, "passed") + " (" + detail + ")", true);
            }
        } else {
            passes = 0;
            if (healthy && ++failures >= Math.max(1, spec.fall())) {
                change(false, probes(failures, "failed") + " (last: " + detail + ")", true);
            }
        }
        long elapsed = System.nanoTime() - probeStartNanos;
        schedule(spec.interval().toNanos() - elapsed);
    }

    private static String probes(int count, String outcome) {
        return count == 1 ? "1 " + outcome + " probe" : count + " consecutive " + outcome + " probes";
    }

    private void follow(HealthVerdict verdict) {
        passes = 0;
        failures = 0;
        if (verdict != null && verdict.source() == HealthVerdict.Source.ACTIVE && verdict.healthy() != healthy) {
            change(verdict.healthy(), "verdict of " + verdict.nodeId() + ": " + verdict.reason(), false);
        }
    }

    private void change(boolean nowHealthy, String reason, boolean publish) {
        healthy = nowHealthy;
        passes = 0;
        failures = 0;
        endpoint.setActiveHealthy(nowHealthy);
        if (publish) {
            context.writer().publish(key, HealthVerdict.active(nowHealthy, context.nodeId(), reason));
        }
        LOG.log(nowHealthy ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                "endpoint " + key + " is now " + (nowHealthy ? "healthy" : "unhealthy") + ": " + reason);
    }
}
