package dev.phalanx.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.RouteSpec;
import dev.phalanx.cluster.testsupport.EtcdProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 routes and bursts of 1,000 writes against a real etcd. Asserts correctness (every route, the latest value
 * of every key, fewer deliveries than writes); prints the figures (load time, heap, burst convergence).
 */
class EtcdScaleIT {
    @TempDir
    Path dir;

    static String route(String id, String prefix) {
        return "{\"id\": \"" + id + "\", \"match\": {\"hosts\": [\"" + id + ".example.com\"], \"pathPrefix\": \""
                + prefix + "\"}, \"pool\": \"p" + (id.hashCode() & 7) + "\", \"timeouts\": {\"connect\": \"1s\"}}";
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void tenThousandRoutesThenBurstsOfAThousandWrites() {
        try (EtcdProcess etcd = EtcdProcess.single(dir.resolve("etcd"), "--quota-backend-bytes", "1073741824");
             Writer writer = new Writer(etcd.endpoint())) {
            Map<String, String> all = new LinkedHashMap<>();
            for (int p = 0; p < 8; p++) {
                all.put("/phalanx/pools/p" + p, "{\"id\": \"p" + p + "\", \"endpoints\": [\"127.0.0.1:" + (9000 + p)
                        + "\"]}");
            }
            for (int i = 0; i < 10_000; i++) {
                all.put("/phalanx/routes/r" + i, route("r" + i, "/v0/"));
            }
            long w0 = System.nanoTime();
            writer.putAll(all);
            System.out.printf("FIGURE wrote 10,008 keys to etcd in %d ms%n", (System.nanoTime() - w0) / 1_000_000);

            long heapBefore = usedHeap();
            long t0 = System.nanoTime();
            try (EtcdSourceProbe probe = new EtcdSourceProbe(List.of(etcd.endpoint()), dir.resolve("state"))) {
                probe.start();
                ConfigSnapshot first = probe.await("10,000 routes", s -> s.routes().size() == 10_000,
                        Duration.ofSeconds(60));
                long loadMs = (System.nanoTime() - t0) / 1_000_000;
                long heap = usedHeap() - heapBefore;
                assertEquals(List.of(), first.errors());
                System.out.printf("FIGURE etcd source: 10,000 routes read, validated, persisted and delivered in %d ms;"
                        + " heap held by the source and its snapshot ~%d MB%n", loadMs, heap / (1024 * 1024));

                for (int burst = 1; burst <= 3; burst++) {
                    int deliveriesBefore = probe.delivered.size();
                    Map<String, String> updates = new LinkedHashMap<>();
                    for (int i = 0; i < 1000; i++) {
                        updates.put("/phalanx/routes/r" + (i * 10), route("r" + (i * 10), "/v" + burst + "/"));
                    }
                    String version = "/v" + burst + "/";
                    long b0 = System.nanoTime();
                    writer.putAll(updates);
                    long written = System.nanoTime();
                    ConfigSnapshot s = probe.await("burst " + burst + " applied", x -> x.routes().stream()
                            .filter(r -> version.equals(r.match().pathPrefix())).count() == 1000,
                            Duration.ofSeconds(60));
                    long done = System.nanoTime();
                    int deliveries = probe.delivered.size() - deliveriesBefore;
                    System.out.printf("FIGURE burst %d of 1,000 puts: written in %d ms, all applied %d ms after the"
                                    + " last put, %d deliveries (coalesced)%n", burst, (written - b0) / 1_000_000,
                            (done - written) / 1_000_000, deliveries);
                    assertTrue(deliveries < 1000, "bursts are coalesced: " + deliveries + " deliveries");
                    for (RouteSpec r : s.routes()) {
                        int n = Integer.parseInt(r.id().substring(1));
                        String expected = n % 10 == 0 && n < 10_000 ? version : "/v0/";
                        assertEquals(expected, r.match().pathPrefix(), r.id());
                    }
                    assertEquals(10_000, s.routes().size());
                }
            }
        }
    }
}
