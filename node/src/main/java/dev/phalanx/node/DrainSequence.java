package dev.phalanx.node;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.cluster.model.NodeConfig.DrainConfig;
import dev.phalanx.node.admin.VrrpStates;
import dev.phalanx.node.http.DrainState;
import dev.phalanx.node.http.DrainState.Phase;
import dev.phalanx.node.listener.DrainSweep;
import dev.phalanx.node.listener.ListenerServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * The graceful drain, run on its own thread (it sleeps and polls; the event loops only get short sweep tasks).
 * Moving a VIP resets every connection open on it (the new holder has no socket for them), so the VIPs go only once
 * the node is nearly idle:
 * <ol>
 *   <li>{@code closing}: /healthz still 200, the VIPs stay. Every response carries {@code Connection: close} and its
 *       connection closes after it; a keep-alive connection is closed once it was seen idle for
 *       {@code drain.idleCloseGrace} (see {@code ProxyHandler.drainCheck} for why not at once); HTTP/2 connections
 *       get GOAWAY. New connections are still accepted and serve one request each. Ends when no idle connection is
 *       left and every connection that was open when the drain started has closed (what remains are new
 *       connections with their one request in flight), at the latest after {@code drain.closingMax}.</li>
 *   <li>{@code releasing}: /healthz 503, so keepalived moves the VIPs. The node still accepts (clients whose ARP
 *       cache still points here) and goes on sweeping. It waits until no VRRP instance is reported MASTER any more
 *       (at most {@code drain.vipReleaseTimeout}), then {@code drain.acceptGrace} more. Without any VRRP report
 *       ever received (no keepalived), it waits {@code drain.releaseGrace} instead.</li>
 *   <li>{@code finishing}: stops accepting, lets requests in flight end (and idle connections close as before);
 *       stops the node when no connection is left or {@code limits.drainTimeout} (counted from the start) passed.
 *       Idle connections keep their grace here too: without keepalived (a load balancer that has not noticed the
 *       503 yet) clients may still be sending on them.</li>
 * </ol>
 */
final class DrainSequence implements Runnable {
    private static final Logger LOG = Logger.getLogger(DrainSequence.class.getName());
    static final long POLL_MILLIS = 50;
    private static final long SWEEP_WAIT_MILLIS = 1000;

    private final DrainConfig config;
    private final Duration drainTimeout;
    private final DrainState state;
    private final List<ListenerServer> listeners;
    private final VrrpStates vrrp;
    private final Runnable stop;
    private volatile DrainSweep last;

    DrainSequence(DrainConfig config, Duration drainTimeout, DrainState state, List<ListenerServer> listeners,
                  VrrpStates vrrp, Runnable stop) {
        this.config = config;
        this.drainTimeout = drainTimeout;
        this.state = state;
        this.listeners = listeners;
        this.vrrp = vrrp;
        this.stop = stop;
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long deadline = start + drainTimeout.toNanos();
        long grace = config.idleCloseGrace().toNanos();
        try {
            LOG.info("draining, phase closing: /healthz stays 200, responses carry Connection: close, idle"
                    + " connections close after " + config.idleCloseGrace().toMillis() + " ms");
            long closingEnd = Math.min(deadline, start + config.closingMax().toNanos());
            DrainSweep s = sweep(grace);
            while ((s.idle() > 0 || s.fromBefore() > 0) && System.nanoTime() < closingEnd) {
                sleep();
                s = sweep(grace);
            }
            state.advanceTo(Phase.RELEASING);
            LOG.info("drain phase releasing after " + millisSince(start) + " ms (" + s.connections()
                    + " connection(s) open, " + s.inFlight() + " request(s) in flight): /healthz answers 503");
            release(grace, deadline);
            state.advanceTo(Phase.FINISHING);
            listeners.forEach(ListenerServer::stopAccepting);
            s = sweep(grace);
            LOG.info("drain phase finishing after " + millisSince(start) + " ms: listeners closed, " + s.inFlight()
                    + " request(s) in flight");
            while (s.connections() > 0 && System.nanoTime() < deadline) {
                sleep();
                s = sweep(grace);
            }
            LOG.info("drain done in " + millisSince(start) + " ms, " + s.connections()
                    + " connection(s) cut at the drain timeout");
        } catch (RuntimeException | Error e) {
            LOG.severe("drain failed, stopping now: " + e);
            throw e;
        } finally {
            stop.run();
        }
    }

    /**
     * A handover ({@link DrainState#startHandover}): the new process already accepts on the same ports, so stop
     * accepting at once (the phase is {@code finishing} already), then as in {@code finishing}: requests in flight
     * end with {@code Connection: close}, idle connections close after {@code drain.idleCloseGrace}, until none is
     * left or {@code limits.drainTimeout}; then stop. No {@code releasing}: the VIPs stay where they are.
     */
    void handover() {
        long start = System.nanoTime();
        long deadline = start + drainTimeout.toNanos();
        long grace = config.idleCloseGrace().toNanos();
        try {
            listeners.forEach(ListenerServer::stopAccepting);
            DrainSweep s = sweep(grace);
            LOG.info("handover: listeners closed (the new process accepts), " + s.connections() + " connection(s)"
                    + " open, " + s.inFlight() + " request(s) in flight; /healthz stays 200");
            while (s.connections() > 0 && System.nanoTime() < deadline) {
                sleep();
                s = sweep(grace);
            }
            LOG.info("handover done in " + millisSince(start) + " ms, " + s.connections()
                    + " connection(s) cut at the drain timeout");
        } catch (RuntimeException | Error e) {
            LOG.severe("handover failed, stopping now: " + e);
            throw e;
        } finally {
            stop.run();
        }
    }

    /** The {@code releasing} phase: until the VIPs left (as keepalived reports it) plus the accept grace. */
    private void release(long grace, long deadline) {
        long start = System.nanoTime();
        if (vrrp.isEmpty()) {
            long end = Math.min(deadline, start + config.releaseGrace().toNanos());
            while (System.nanoTime() < end) {
                sweep(grace);
                sleep();
            }
            return;
        }
        long vipDeadline = Math.min(deadline, start + config.vipReleaseTimeout().toNanos());
        long releasedAt = -1;
        while (true) {
            sweep(grace);
            long now = System.nanoTime();
            List<String> masters = vrrp.masters();
            if (masters.isEmpty()) {
                if (releasedAt < 0) {
                    releasedAt = now;
                    LOG.info("drain: no VRRP instance reports MASTER any more, " + millisSince(start)
                            + " ms after /healthz turned 503; accepting " + config.acceptGrace().toMillis()
                            + " ms more");
                }
                if (now - releasedAt >= config.acceptGrace().toNanos() || now >= deadline) {
                    return;
                }
            } else {
                releasedAt = -1;
                if (now >= vipDeadline) {
                    LOG.warning("drain: still MASTER of " + masters + " after drain.vipReleaseTimeout ("
                            + config.vipReleaseTimeout().toMillis() + " ms); going on");
                    return;
                }
            }
            sleep();
        }
    }

    /** Sweeps every listener's connections and waits for the answer (event loops answer within a turn). */
    private DrainSweep sweep(long idleCloseNanos) {
        CompletableFuture<DrainSweep> all = CompletableFuture.completedFuture(DrainSweep.NONE);
        for (ListenerServer l : listeners) {
            all = all.thenCombine(l.sweep(idleCloseNanos), DrainSweep::plus);
        }
        DrainSweep s;
        try {
            s = all.get(SWEEP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // an event loop did not answer in time: count every connection as busy, so no phase ends early
            int open = listeners.stream().mapToInt(ListenerServer::openConnections).sum();
            s = new DrainSweep(open, open, open, open);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s = DrainSweep.NONE;
        }
        last = s;
        return s;
    }

    /** {@code /cluster}'s {@code "drain"}: the phase, when it started, and what the last sweep found. */
    ObjectNode status(int openConnections) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("phase", state.phase().text());
        if (state.startedAt() != null) {
            o.put("startedAt", state.startedAt().toString());
        }
        o.put("connections", openConnections);
        DrainSweep s = last;
        if (s != null && state.isDraining()) {
            o.put("inFlight", s.inFlight());
            o.put("idle", s.idle());
        }
        if (state.phase() == Phase.RELEASING && !vrrp.isEmpty()) {
            vrrp.masters().forEach(o.putArray("waitingFor")::add);
        }
        return o;
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
