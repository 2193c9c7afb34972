package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Admissions per rate-limit window, counted by the client. A request whose whole exchange lies inside one window
 * was certainly admitted in it ({@code certain}); one that crossed a boundary might count in either
 * ({@code possible} counts it in both). {@code certain} above the bound is a proven violation; it is what the
 * scenarios assert. Windows are those of the nodes: {@code floor(epoch / window)}, the containers share the clock.
 */
final class RateWindows {
    record Window(long index, int certain, int possible, int degraded, int bound) {
    }

    private RateWindows() {
    }

    static List<Window> count(List<Sample> samples, long windowMicros, int limit, Map<Long, Integer> degraded) {
        TreeMap<Long, int[]> w = new TreeMap<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (Sample s : samples) {
            first = Math.min(first, s.startMicros() / windowMicros);
            last = Math.max(last, s.endMicros() / windowMicros);
            if (!s.answered() || s.status() != 200) {
                continue;
            }
            long a = s.startMicros() / windowMicros;
            long b = s.endMicros() / windowMicros;
            for (long k = a; k <= b; k++) {
                w.computeIfAbsent(k, x -> new int[2])[1]++;
            }
            if (a == b) {
                w.get(a)[0]++;
            }
        }
        List<Window> out = new ArrayList<>();
        int share = limit / Topology.NODES;
        for (long k = first + 1; k < last; k++) {
            int[] c = w.getOrDefault(k, new int[2]);
            int d = Math.max(degraded.getOrDefault(k - 1, 0), Math.max(degraded.getOrDefault(k, 0),
                    degraded.getOrDefault(k + 1, 0)));
            out.add(new Window(k, c[0], c[1], d, limit + d * share));
        }
        return out;
    }

    static List<Map<String, Object>> rows(List<Window> windows) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Window w : windows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("window", w.index());
            m.put("admitted_certain", w.certain());
            m.put("admitted_possible", w.possible());
            m.put("degraded_nodes", w.degraded());
            m.put("bound", w.bound());
            rows.add(m);
        }
        return rows;
    }

    /** Samples phalanx_ratelimit_degraded of every node every 250 ms: window index to degraded-node count (max). */
    static final class DegradedSampler implements AutoCloseable {
        private final Map<Long, Integer> byWindow = new java.util.concurrent.ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean stop;

        DegradedSampler(ChaosCluster c, long windowMicros) {
            thread = new Thread(() -> {
                long deadline = System.nanoTime() + 300_000_000_000L;
                while (!stop && System.nanoTime() < deadline) {
                    int n = 0;
                    for (int i : Topology.nodes()) {
                        String m = c.admin().get(c.topo().nodeIp(i), "/metrics").map(a -> a.body()).orElse("");
                        if (m.lines().anyMatch(l -> l.startsWith("phalanx_ratelimit_degraded") && l.endsWith(" 1.0"))) {
                            n++;
                        }
                    }
                    byWindow.merge(Clock.micros() / windowMicros, n, Math::max);
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "degraded-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        Map<Long, Integer> byWindow() {
            return byWindow;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5000);
        }
    }
}
