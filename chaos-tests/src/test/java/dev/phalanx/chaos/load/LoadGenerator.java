package dev.phalanx.chaos.load;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Continuous, bounded client load: a few workers per target, each a plain keep-alive client (no retries) sending
 * one GET after another with a short pause. It stops by itself after {@code maxDuration} or {@code maxRequests},
 * whichever comes first, or when {@link #stop()} is called.
 */
public final class LoadGenerator {
    public record Target(int index, String host, int port) {
    }

    private final List<Target> targets;
    private final int workersPerTarget;
    private final String path;
    private final long pauseNanos;
    private final long deadlineNanos;
    private final long maxRequests;
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong connIds = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<List<Sample>> perWorker = new ArrayList<>();
    private volatile boolean stopped;

    public LoadGenerator(List<Target> targets, int workersPerTarget, String path, Duration pause, Duration maxDuration,
            long maxRequests) {
        this.targets = List.copyOf(targets);
        this.workersPerTarget = workersPerTarget;
        this.path = path;
        this.pauseNanos = pause.toNanos();
        this.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
        this.maxRequests = maxRequests;
    }

    public LoadGenerator start() {
        for (Target t : targets) {
            for (int w = 0; w < workersPerTarget; w++) {
                List<Sample> samples = new ArrayList<>();
                perWorker.add(samples);
                Thread th = new Thread(() -> run(t, samples), "load-" + t.index() + "-" + w);
                th.setDaemon(true);
                threads.add(th);
                th.start();
            }
        }
        return this;
    }

    /** Stops the workers and returns every sample, ordered by start time. */
    public List<Sample> stop() {
        stopped = true;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Sample> all = new ArrayList<>();
        for (List<Sample> s : perWorker) {
            synchronized (s) {
                all.addAll(s);
            }
        }
        all.sort(Comparator.comparingLong(Sample::startMicros));
        return all;
    }

    private void run(Target t, List<Sample> samples) {
        HttpConnection conn = null;
        long connId = 0;
        while (!stopped && System.nanoTime() < deadlineNanos && issued.incrementAndGet() <= maxRequests) {
            long start = Clock.micros();
            try {
                if (conn == null || !conn.isOpen()) {
                    connId = connIds.incrementAndGet();
                    conn = HttpConnection.open(t.host(), t.port(), 1000, 2000);
                }
                HttpConnection.Response r = conn.get(path, "chaos.phalanx.test");
                add(samples, new Sample(t.index(), start, Clock.micros(), r.status(), null, connId, conn.openedAtMicros()));
            } catch (IOException e) {
                long opened = conn == null ? start : conn.openedAtMicros();
                add(samples, new Sample(t.index(), start, Clock.micros(), 0, classify(e), connId, opened));
                if (conn != null) {
                    conn.close();
                }
                conn = null;
            }
            LockSupport.parkNanos(pauseNanos);
        }
        if (conn != null) {
            conn.close();
        }
    }

    private static void add(List<Sample> samples, Sample s) {
        synchronized (samples) {
            samples.add(s);
        }
    }

    static String classify(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (e instanceof java.net.SocketTimeoutException) {
            return m.contains("connect") ? "connect-timeout" : "read-timeout";
        }
        if (e instanceof java.net.ConnectException) {
            return m.contains("timed out") ? "connect-timeout" : "connect-refused";
        }
        if (e instanceof java.net.NoRouteToHostException) {
            return "no-route";
        }
        if (m.contains("reset")) {
            return "reset";
        }
        if (m.contains("body ended")) {
            return "truncated";
        }
        if (m.contains("closed")) {
            return "closed";
        }
        if (m.contains("broken pipe")) {
            return "broken-pipe";
        }
        return e.getClass().getSimpleName() + ": " + m;
    }
}
