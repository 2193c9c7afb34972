package dev.phalanx.node;

import dev.phalanx.node.http.DrainState;
import dev.phalanx.node.http.DrainState.Phase;
import dev.phalanx.node.testsupport.KeepAliveClient;
import dev.phalanx.node.testsupport.KeepAliveClient.Outcome;
import dev.phalanx.node.testsupport.KeepAliveClient.Result;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous, bounded client load through a draining node, as plain non-retrying keep-alive clients send it: busy
 * raw clients (requests back to back on a small pool), a sporadic raw client (pauses of 100 to 1500 ms, so its
 * connection sometimes sits idle while the drain closes idle ones), and the JDK's HttpClient sending POSTs (which it never
 * retries). Each outcome is filed under the node's phase read just before the request was sent.
 *
 * <p>A failure is a request that was sent and got no complete response, in any phase; or a refused connection
 * before {@code finishing} (the listener must accept until then). {@link #vipMoved()} models the VIP leaving the
 * node: from then on the clients open no new connection to it (their SYNs would reach the new holder; the node's
 * kernel no longer takes packets for an address it does not have), and the workers stop.
 */
final class DrainLoad implements AutoCloseable {
    private static final long MAX_MILLIS = 40_000;
    private static final int MAX_REQUESTS_PER_WORKER = 200_000;

    private final int port;
    private final DrainState state;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    private volatile boolean vipMoved;
    final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    final Map<Phase, AtomicInteger> responses = counters();
    final Map<Phase, AtomicInteger> newConnections = counters();
    final Map<Phase, AtomicInteger> staleDiscarded = counters();
    final AtomicInteger refusedInFinishing = new AtomicInteger();
    /** Responses to requests sent during a drain that did not say {@code Connection: close}. */
    final AtomicInteger keptAliveWhileDraining = new AtomicInteger();

    DrainLoad(int port, DrainState state) {
        this.port = port;
        this.state = state;
    }

    DrainLoad start(int busyWorkers) {
        for (int i = 0; i < busyWorkers; i++) {
            spawn("busy-" + i, () -> raw(false));
        }
        spawn("sporadic", () -> raw(true)); // sometimes idle longer than idleCloseGrace
        spawn("jdk-post", this::jdkPosts);
        return this;
    }

    /** From now on no client opens a connection to this node (see the class comment). */
    void vipMoved() {
        vipMoved = true;
    }

    int total() {
        return responses.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(body, "drain-load-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private boolean going(long start, int sent) {
        // during a drain every response closes its connection, so after the VIP moved there is nothing to send on
        return !stop && !vipMoved && sent < MAX_REQUESTS_PER_WORKER && System.currentTimeMillis() - start < MAX_MILLIS;
    }

    private void raw(boolean sporadic) {
        long start = System.currentTimeMillis();
        try (KeepAliveClient client = new KeepAliveClient(port, 2)) {
            for (int sent = 0; going(start, sent); sent++) {
                Phase phase = state.phase();
                int staleBefore = client.staleDiscarded();
                Result r = client.get("/drain-load/" + sent);
                if (client.staleDiscarded() > staleBefore) {
                    staleDiscarded.get(phase).addAndGet(client.staleDiscarded() - staleBefore);
                }
                if (r.outcome() == Outcome.RESPONSE) {
                    record(phase, r.status(), r.connectionClose(), r.newConnection());
                } else {
                    failedOrRefused(r.outcome() == Outcome.REFUSED, phase, (r.newConnection() ? "new" : "pooled")
                            + " connection: " + r.error());
                    if (r.outcome() == Outcome.REFUSED) {
                        pause(20);
                    }
                }
                if (sporadic) {
                    pause(ThreadLocalRandom.current().nextLong(100, 1500));
                }
            }
        }
    }

    private void jdkPosts() {
        long start = System.currentTimeMillis();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        for (int sent = 0; going(start, sent); sent++) {
            Phase phase = state.phase();
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/drain-post/" + sent))
                    .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("payload " + sent))
                    .build();
            try {
                HttpResponse<String> r = client.send(post, HttpResponse.BodyHandlers.ofString());
                boolean close = r.headers().firstValue("connection").map(v -> v.contains("close")).orElse(false);
                record(phase, r.statusCode(), close, false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                boolean refused = causedBy(e, ConnectException.class);
                failedOrRefused(refused, phase, e.toString());
                if (refused) {
                    pause(20);
                }
            }
        }
    }

    private void record(Phase phase, int status, boolean connectionClose, boolean newConnection) {
        if (status != 200) {
            failures.add(phase + ": status " + status);
            return;
        }
        responses.get(phase).incrementAndGet();
        if (newConnection) {
            newConnections.get(phase).incrementAndGet();
        }
        if (phase != Phase.SERVING && !connectionClose) {
            keptAliveWhileDraining.incrementAndGet();
        }
    }

    private void failedOrRefused(boolean refused, Phase sentIn, String error) {
        // the phase only moves forward: read now, it tells whether the listener may have been closed already
        if (refused && state.phase() == Phase.FINISHING) {
            refusedInFinishing.incrementAndGet();
        } else {
            failures.add(Thread.currentThread().getName() + ": " + (refused ? "refused" : "failed") + " (sent in " + sentIn + ", now " + state.phase() + "): "
                    + error);
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<Phase, AtomicInteger> counters() {
        Map<Phase, AtomicInteger> m = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            m.put(p, new AtomicInteger());
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    @Override
    public String toString() {
        return "responses " + responses + ", new connections " + newConnections + ", stale pooled connections dropped "
                + staleDiscarded + ", refused in finishing " + refusedInFinishing + ", failures " + failures.size();
    }
}
