package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.testsupport.EtcdProcess;
import dev.phalanx.node.testsupport.LeakGuard;
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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A real node in cluster mode: routes and pools from a real etcd, status key, /readyz, /config, metrics. */
@ExtendWith(LeakGuard.class)
class EtcdNodeIT {
    @TempDir
    Path dir;
    private EtcdProcess etcd;
    private TestBackend backend;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void tearDown() throws Exception {
        Collections.reverse(closing);
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private Node startNode(String id) throws Exception {
        Path cfg = dir.resolve(id + ".yaml");
        Files.writeString(cfg, """
                node: { id: %s, stateDir: "%s", workerThreads: 2 }
                listeners: [ { name: web, bind: "127.0.0.1:0" } ]
                admin: { bind: "127.0.0.1:0" }
                config: { etcd: { endpoints: [ "%s" ], prefix: /phalanx } }
                accessLog: off
                """.formatted(id, dir.resolve(id + "-state"), etcd.endpoint()));
        Node node = new Node(NodeConfigLoader.load(cfg));
        node.start();
        closing.add(node);
        return node;
    }

    static String pool(String id, String address) {
        return "{\"id\": \"" + id + "\", \"endpoints\": [\"" + address + "\"]}";
    }

    static String route(String id, String prefix, String pool) {
        return "{\"id\": \"" + id + "\", \"match\": {\"pathPrefix\": \"" + prefix + "\"}, \"pool\": \"" + pool
                + "\"}";
    }

    private void put(String key, String value) {
        etcd.etcdctl("put", "/phalanx/" + key, value);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String proxy(Node n, String path) {
        return "http://127.0.0.1:" + n.listenerAddress("web").getPort() + path;
    }

    private static String admin(Node n, String path) {
        return "http://127.0.0.1:" + n.adminAddress().getPort() + path;
    }

    private void await(String what, Node n, String path, Predicate<HttpResponse<String>> condition) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpResponse<String> last = null;
        while (System.nanoTime() < end) {
            last = get(path.startsWith("admin:") ? admin(n, path.substring(6)) : proxy(n, path));
            if (condition.test(last)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what + "; last answer " + last.statusCode() + " "
                + last.body());
    }

    @Test
    void servesFromEtcdReportsErrorsAndSurvivesEtcdOutages() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        backend = new TestBackend("b1").start();
        put("pools/web", pool("web", backend.address()));
        put("routes/a", route("a", "/a/", "web"));
        Node node = startNode("node-1");
        assertEquals(200, get(proxy(node, "/a/status/200")).statusCode());
        HttpResponse<String> ready = get(admin(node, "/readyz"));
        assertEquals(200, ready.statusCode());
        assertTrue(ready.body().contains("config: etcd in sync at revision"), ready.body());

        put("routes/b", route("b", "/b/", "web"));
        await("route b served", node, "/b/status/200", r -> r.statusCode() == 200);

        put("routes/a", "{\"id\": \"a\", \"pool\": \"web\", \"timeouts\": {\"connect\": \"5 seconds\"}}");
        await("error at /config", node, "admin:/config",
                r -> r.body().contains("/phalanx/routes/a.timeouts.connect"));
        assertEquals(200, get(proxy(node, "/a/status/200")).statusCode(), "the last good route a stays");
        String metrics = get(admin(node, "/metrics")).body();
        assertTrue(metrics.contains("phalanx_config_errors 2.0"), metrics.lines()
                .filter(l -> l.startsWith("phalanx_config")).toList().toString());
        String status = etcd.etcdctl("get", "/phalanx/nodes/node-1", "--print-value-only");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!status.contains("timeouts.connect") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            status = etcd.etcdctl("get", "/phalanx/nodes/node-1", "--print-value-only");
        }
        assertTrue(status.contains("/phalanx/routes/a.timeouts.connect: \\\"5 seconds\\\" is not a duration"),
                status);

        etcd.stop();
        await("readyz says not in sync", node, "admin:/readyz", r -> r.body().contains("NOT in sync"));
        assertEquals(200, get(admin(node, "/readyz")).statusCode(), "still ready: it serves its last good config");
        assertEquals(200, get(proxy(node, "/b/status/200")).statusCode(), "serving while etcd is down");
        etcd.restart();
        await("in sync again", node, "admin:/readyz", r -> r.body().contains("etcd in sync"));
        put("routes/c", route("c", "/c/", "web"));
        await("route c served", node, "/c/status/200", r -> r.statusCode() == 200);
    }

    @Test
    void restartedWhileEtcdIsDownServesThePersistedSnapshotAndCatchesUp() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        backend = new TestBackend("b1").start();
        put("pools/web", pool("web", backend.address()));
        put("routes/a", route("a", "/a/", "web"));
        Node first = startNode("node-1");
        assertEquals(200, get(proxy(first, "/a/status/200")).statusCode());
        first.close();
        etcd.stop();

        Node again = startNode("node-1");
        assertEquals(200, get(proxy(again, "/a/status/200")).statusCode(), "served from the persisted snapshot");
        HttpResponse<String> ready = get(admin(again, "/readyz"));
        assertTrue(ready.body().contains("NOT in sync"), ready.body());
        etcd.restart();
        put("routes/b", route("b", "/b/", "web"));
        await("caught up", again, "/b/status/200", r -> r.statusCode() == 200);
    }

    @Test
    void changesKeepConnectionsThatStillMatchAndResyncsTouchNothing() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        backend = new TestBackend("b1").start();
        put("pools/web", pool("web", backend.address()));
        put("routes/a", route("a", "/a/", "web"));
        Node node = startNode("node-1");
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get(proxy(node, "/a/status/200")).statusCode());
        }
        int connections = backend.connectionCount();
        put("routes/other", route("other", "/other/", "web"));
        put("pools/other", pool("other", "127.0.0.1:9"));
        await("route other", node, "/other/status/200", r -> r.statusCode() == 200);
        Thread.sleep(300);
        dev.phalanx.cluster.model.ConfigSnapshot before = node.appliedSnapshot();
        etcd.stop(); // a lost connection and a full re-read of an unchanged config
        await("not in sync", node, "admin:/readyz", r -> r.body().contains("NOT in sync"));
        etcd.restart();
        await("in sync", node, "admin:/readyz", r -> r.body().contains("etcd in sync"));
        org.junit.jupiter.api.Assertions.assertSame(before, node.appliedSnapshot(),
                "re-reading an unchanged config delivers nothing: nothing recompiled");
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get(proxy(node, "/a/status/200")).statusCode());
        }
        assertEquals(connections, backend.connectionCount(),
                "the pooled upstream connections of endpoint web/b1 survived route and pool changes and the resync");
    }

    @Test
    void aRemovedEndpointDrainsInFlightFinishesIdleCloses() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        backend = new TestBackend("b1").start();
        try (TestBackend b2 = new TestBackend("b2").start()) {
            put("pools/web", pool("web", backend.address()));
            put("routes/a", route("a", "/", "web"));
            Node node = startNode("node-1");
            assertEquals(200, get(proxy(node, "/status/200")).statusCode());
            java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
                    HttpRequest.newBuilder(URI.create(proxy(node, "/slow/2000"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (backend.requestCount() < 2 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
            // while the slow one holds its connection, this one needs another, which then idles in the pool
            assertEquals(200, get(proxy(node, "/status/200")).statusCode());
            assertTrue(backend.openConnections() >= 2, "idle + busy upstream connections to b1");
            put("pools/web", pool("web", b2.address()));
            await("b2 serves", node, "/status/200", r -> "b2".equals(r.headers().firstValue("x-backend")
                    .orElse(null)));
            HttpResponse<String> slow = inFlight.get(10, TimeUnit.SECONDS);
            assertEquals(200, slow.statusCode(), "the request in flight on the removed endpoint finished");
            assertEquals("b1", slow.headers().firstValue("x-backend").orElse(null));
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (backend.openConnections() > 0 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(0, backend.openConnections(), "idle connections to the removed endpoint are closed");
        }
    }

    @Test
    void threeNodesConvergeAndTheStatusCommandSaysSo() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        backend = new TestBackend("b1").start();
        put("pools/web", pool("web", backend.address()));
        put("routes/a", route("a", "/a/", "web"));
        List<Node> nodes = List.of(startNode("node-1"), startNode("node-2"), startNode("node-3"));
        put("routes/b", route("b", "/b/", "web"));
        for (Node n : nodes) {
            await("route b on every node", n, "/b/status/200", r -> r.statusCode() == 200);
        }
        String output = "";
        int exit = -1;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (exit != 0 && System.nanoTime() < end) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            exit = new dev.phalanx.node.cli.EtcdCli(new java.io.PrintStream(out, true), new java.io.PrintStream(out, true))
                    .run(new String[] {"status", "--endpoints", etcd.endpoint()});
            output = out.toString();
            Thread.sleep(100);
        }
        assertEquals(0, exit, output);
        for (String id : List.of("node-1", "node-2", "node-3")) {
            assertTrue(output.lines().anyMatch(l -> l.startsWith(id) && l.contains("in sync")), output);
        }
    }

    /** Figures, not asserts: from the put's start until the node serves the new route. */
    @Test
    void propagationLatencyFigures() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        backend = new TestBackend("b1").start();
        put("pools/web", pool("web", backend.address()));
        Node node = startNode("node-1");
        int samples = Integer.getInteger("phalanx.bench.samples", 200);
        long[] micros = new long[samples];
        try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            for (int i = -20; i < samples; i++) { // 20 warm-up rounds
                String id = "lat" + (i + 20);
                long start = System.nanoTime();
                client.getKVClient().put(ByteSequence.from("/phalanx/routes/" + id, StandardCharsets.UTF_8),
                        ByteSequence.from(route(id, "/" + id + "/", "web"), StandardCharsets.UTF_8))
                        .get(5, TimeUnit.SECONDS);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (get(proxy(node, "/" + id + "/status/200")).statusCode() != 200) {
                    assertTrue(System.nanoTime() < end, "route " + id + " never served");
                    Thread.sleep(1);
                }
                if (i >= 0) {
                    micros[i] = (System.nanoTime() - start) / 1000;
                }
            }
        }
        java.util.Arrays.sort(micros);
        System.out.printf("FIGURE etcd put -> served latency over %d puts: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                samples, micros[samples / 2] / 1000.0, micros[(int) (samples * 0.99)] / 1000.0,
                micros[samples - 1] / 1000.0);
        assertFalse(micros[0] == 0);
    }
}
