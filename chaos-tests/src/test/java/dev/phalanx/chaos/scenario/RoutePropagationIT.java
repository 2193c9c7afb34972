package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * route-propagation: 40 routes written to etcd one after another under load; each must be served by all three
 * nodes. Figures: put-to-served p50/p99 over every node and route (goal p99 under 100 ms).
 */
@ExtendWith(ChaosClusterExtension.class)
class RoutePropagationIT {
    static final int ROUTES = 40;

    @Test
    void routePropagation(ChaosCluster c) throws Exception {
        ChaosReport.get().run("route-propagation", r -> {
            c.reset();
            LoadGenerator load = Scenarios.vipLoad(c, "/chaos/propagation").start();
            List<double[]> perRoute = new ArrayList<>();
            List<Double> puts = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            try (Propagation p = new Propagation(c)) {
                for (int k = 0; k < ROUTES; k++) {
                    String id = "prop-" + k;
                    Propagation.Result res = p.put(id, Duration.ofSeconds(10));
                    double[] ms = res.ms();
                    puts.add(res.putMs());
                    perRoute.add(ms);
                    for (int n = 0; n < ms.length; n++) {
                        if (ms[n] < 0) {
                            missing.add(id + " on node-" + (n + 1));
                        }
                    }
                    Thread.sleep(50);
                }
            }
            List<Sample> samples = load.stop();
            double[] all = perRoute.stream().flatMapToDouble(Arrays::stream).filter(v -> v >= 0).sorted().toArray();
            double[] slowest = perRoute.stream().mapToDouble(a -> Arrays.stream(a).max().orElse(-1)).sorted().toArray();
            r.figure("routes", ROUTES);
            r.figure("propagation_p50_ms", Scenarios.percentile(all, 50));
            r.figure("propagation_p99_ms", Scenarios.percentile(all, 99));
            r.figure("all_nodes_p50_ms", Scenarios.percentile(slowest, 50));
            r.figure("all_nodes_p99_ms", Scenarios.percentile(slowest, 99));
            double[] putMs = puts.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            r.figure("etcd_put_p50_ms", Scenarios.percentile(putMs, 50));
            r.figure("etcd_put_p99_ms", Scenarios.percentile(putMs, 99));
            r.figure("not_served", missing.size());
            Scenarios.loadFigures(r, samples, Scenarios::ok);
            r.goal("all_nodes_p99_ms", "< 100", Scenarios.percentile(slowest, 99) < 100);
            r.raw("propagation_ms_per_route_and_node", perRoute);
            r.raw("etcd_put_ms", puts);
            r.samples("samples", samples);
            r.note("Each figure runs from just before the etcd put until the node's first answer through the new route,"
                    + " polled over a keep-alive connection every 2 ms; all_nodes_* is the slowest of the three per route."
                    + " etcd_put_* is the put alone (etcd's commit, an fsync on the container's disk), part of every figure.");
            assertEquals(List.of(), missing, "routes not served by every node within 10 s");
            assertEquals(0L, samples.stream().filter(s -> !Scenarios.ok(s)).count(), "requests failed while routes changed");
        });
    }
}
