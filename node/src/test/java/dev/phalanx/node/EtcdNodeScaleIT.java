package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.testsupport.EtcdProcess;
import dev.phalanx.node.testsupport.TestBackend;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node with 10,000 routes from etcd: start time, heap and put-to-served latency as figures; every route served. */
class EtcdNodeScaleIT {
    @TempDir
    Path dir;

    private static ByteSequence b(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String route(String id) {
        return "{\"id\": \"" + id + "\", \"match\": {\"pathPrefix\": \"/" + id + "/\"}, \"pool\": \"web\"}";
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    }

    @Test
    void tenThousandRoutesFigures() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.single(dir.resolve("etcd"));
             TestBackend backend = new TestBackend("b1").start();
             Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            client.getKVClient().put(b("/phalanx/pools/web"), b("{\"id\": \"web\", \"endpoints\": [\""
                    + backend.address() + "\"]}")).get(5, TimeUnit.SECONDS);
            List<CompletableFuture<?>> puts = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                puts.add(client.getKVClient().put(b("/phalanx/routes/r" + i), b(route("r" + i))));
                if (puts.size() == 200) {
                    CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    puts.clear();
                }
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            Path cfg = dir.resolve("node.yaml");
            Files.writeString(cfg, """
                    node: { id: scale, stateDir: "%s", workerThreads: 2 }
                    listeners: [ { name: web, bind: "127.0.0.1:0" } ]
                    admin: { bind: "127.0.0.1:0" }
                    config: { etcd: { endpoints: [ "%s" ] } }
                    accessLog: off
                    """.formatted(dir.resolve("state"), etcd.endpoint()));
            long heap0 = usedHeap();
            long t0 = System.nanoTime();
            try (Node node = new Node(NodeConfigLoader.load(cfg))) {
                node.start();
                long startMs = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(10_000, node.appliedSnapshot().routes().size());
                long heapMb = (usedHeap() - heap0) / (1024 * 1024);
                System.out.printf("FIGURE node start with 10,000 routes from etcd: %d ms (read, validate, compile,"
                        + " bind); heap ~%d MB%n", startMs, heapMb);

                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                String base = "http://127.0.0.1:" + node.listenerAddress("web").getPort();
                for (int i : new int[] {0, 4_999, 9_999}) {
                    assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/r" + i + "/status/200"))
                            .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                }
                int samples = 50;
                long[] micros = new long[samples];
                for (int i = -5; i < samples; i++) {
                    String id = "new" + (i + 5);
                    long start = System.nanoTime();
                    client.getKVClient().put(b("/phalanx/routes/" + id), b(route(id))).get(5, TimeUnit.SECONDS);
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (http.send(HttpRequest.newBuilder(URI.create(base + "/" + id + "/status/200")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() != 200) {
                        assertTrue(System.nanoTime() < end, id + " never served");
                        Thread.sleep(1);
                    }
                    if (i >= 0) {
                        micros[i] = (System.nanoTime() - start) / 1000;
                    }
                }
                Arrays.sort(micros);
                System.out.printf("FIGURE put -> served at 10,000 routes over %d puts: p50 %.1f ms, p99 %.1f ms%n",
                        samples, micros[samples / 2] / 1000.0, micros[samples - 1] / 1000.0);
            }
        }
    }
}
