package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.cluster.VipEvents;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ScenarioRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** The shared parts of the scenarios: the standard load through the VIPs, and the figures every scenario records. */
final class Scenarios {
    /** Requests of the standard load: 2 clients per VIP, a request every ~10 ms each, at most 3 minutes. */
    static final int WORKERS_PER_VIP = 2;
    static final Duration PAUSE = Duration.ofMillis(10);

    private Scenarios() {
    }

    static LoadGenerator vipLoad(ChaosCluster c, String path) {
        List<LoadGenerator.Target> targets = new ArrayList<>();
        for (int i : Topology.nodes()) {
            targets.add(new LoadGenerator.Target(i, c.topo().vip(i), Topology.HTTP_PORT));
        }
        return new LoadGenerator(targets, WORKERS_PER_VIP, path, PAUSE, Duration.ofMinutes(3), 200_000);
    }

    static boolean ok(Sample s) {
        return s.answered() && s.status() >= 200 && s.status() < 300;
    }

    /** requests, failed, p50_ms, p99_ms (of answered requests) and failures by kind. */
    static void loadFigures(ScenarioRecord r, List<Sample> samples, Predicate<Sample> ok) {
        List<Sample> failed = samples.stream().filter(ok.negate()).toList();
        r.figure("requests", samples.size());
        r.figure("failed", failed.size());
        double[] lat = samples.stream().filter(Sample::answered).mapToDouble(Sample::latencyMs).sorted().toArray();
        r.figure("p50_ms", percentile(lat, 50));
        r.figure("p99_ms", percentile(lat, 99));
        Map<String, Long> kinds = new TreeMap<>(failed.stream().collect(Collectors.groupingBy(
                s -> "vip" + s.target() + ":" + (s.error() != null ? s.error() : "status " + s.status()),
                Collectors.counting())));
        r.figure("failures_by_kind", kinds);
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return Math.round(sorted[Math.max(0, Math.min(sorted.length - 1, idx))] * 10) / 10.0;
    }

    /** Failed requests on connections opened at or after {@code micros} (what a client sees once a move is over). */
    static List<Sample> failedOnConnectionsOpenedAfter(List<Sample> samples, long micros, Predicate<Sample> ok) {
        return samples.stream().filter(s -> s.connOpenedMicros() >= micros && !ok.test(s)).toList();
    }

    /** The first time VIP {@code vip} arrived on a node other than {@code from} at or after {@code sinceMicros}. */
    static Optional<VipEvents.Event> arrival(List<VipEvents.Event> events, String vip, int from, long sinceMicros) {
        return events.stream().filter(e -> e.added() && e.vip().equals(vip) && e.node() != from
                && e.atMicros() >= sinceMicros).findFirst();
    }

    static List<Map<String, Object>> eventRows(List<VipEvents.Event> events, long originMicros) {
        return events.stream().map(e -> Map.<String, Object>of("t_ms", (e.atMicros() - originMicros) / 1000.0,
                "node", e.node(), "vip", e.vip(), "change", e.added() ? "added" : "deleted")).toList();
    }

    /** Waits until {@code vip} is held by exactly the given node (1-based); returns when it was seen. */
    static long awaitHolder(ChaosCluster c, String vip, int node, Duration timeout) {
        ChaosCluster.waitFor(vip + " on " + Topology.nodeId(node), timeout,
                () -> VipEvents.holders(c.docker(), c.topo()).get(node).contains(vip));
        return dev.phalanx.chaos.load.Clock.micros();
    }

    static void sleep(long ms) throws InterruptedException {
        Thread.sleep(ms);
    }

    static String describe(List<Sample> failures, long originMicros, int max) {
        return failures.stream().limit(max).map(s -> Arrays.toString(s.row(originMicros))).collect(Collectors.joining(" "));
    }
}
