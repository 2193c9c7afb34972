package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.cluster.BaselineConfig;
import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.load.Clock;
import dev.phalanx.chaos.load.HttpConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes a probe route to etcd and times how long each node takes to serve it: from just before the put until
 * the node's first answer through the new route (the probe route strips its prefix, so the backend sees "/ok";
 * through the catch-all route it would see the whole path).
 */
final class Propagation implements AutoCloseable {
    private final ChaosCluster c;
    private final ExecutorService pool = Executors.newFixedThreadPool(Topology.NODES);

    Propagation(ChaosCluster c) {
        this.c = c;
    }

    /** How long the put took (etcd's commit), and per node (index 0 = node-1) until it served the route. */
    record Result(double putMs, double[] ms) {
    }

    /** Writes route {@code id}; a node that did not serve it within the timeout has -1. */
    Result put(String id, Duration timeout) throws Exception {
        String route = BaselineConfig.probeRoute(id).replace("\"pool\"", "\"stripPrefix\":\"/prop/" + id + "\",\"pool\"");
        long start = Clock.micros();
        c.etcd().put(BaselineConfig.PREFIX + "/routes/" + id, route);
        double putMs = (Clock.micros() - start) / 1000.0;
        return new Result(putMs, await(id, start, timeout));
    }

    /** Waits for a route written earlier (at {@code startMicros}). */
    double[] await(String id, long startMicros, Duration timeout) throws Exception {
        List<Future<Double>> f = new ArrayList<>();
        for (int i : Topology.nodes()) {
            String ip = c.topo().nodeIp(i);
            f.add(pool.submit(() -> poll(ip, "/prop/" + id + "/ok", startMicros, timeout)));
        }
        double[] out = new double[Topology.NODES];
        for (int i = 0; i < out.length; i++) {
            out[i] = f.get(i).get();
        }
        return out;
    }

    private static double poll(String ip, String path, long startMicros, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpConnection conn = null;
        while (System.nanoTime() < deadline) {
            try {
                if (conn == null || !conn.isOpen()) {
                    conn = HttpConnection.open(ip, Topology.HTTP_PORT, 500, 1000);
                }
                HttpConnection.Response r = conn.get(path, "chaos.phalanx.test");
                if (r.status() == 200 && r.body().contains("\"path\": \"/ok\"")) {
                    conn.close();
                    return (Clock.micros() - startMicros) / 1000.0;
                }
            } catch (IOException e) {
                conn = null;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        if (conn != null) {
            conn.close();
        }
        return -1;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
