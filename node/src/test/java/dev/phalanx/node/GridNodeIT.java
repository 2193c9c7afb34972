package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.state.GridTestSupport;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes in this JVM, each with an embedded Hazelcast member on 127.0.0.1, over six real backends (one
 * pool each, health checks every 200 ms): the grid forms, {@code /cluster} and {@code /readyz} report it, every
 * endpoint is probed by exactly one node, and a node that leaves hands its probes to the survivors.
 */
class GridNodeIT {
    private static final int POOLS = 6;
    private static final long INTERVAL_MS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void threeNodesFormAGridProbeEachEndpointOnceAndHandOverProbesWhenANodeLeaves() throws Exception {
        List<TestBackend> backends = backends();
        Path dir = Files.createTempDirectory("grid-node-it");
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, routes(backends));
        Path secret = dir.resolve("grid.key");
        Files.writeString(secret, "grid-node-it-secret-0123456789abcdefghijklmnop\n");
        int[] gridPorts = GridTestSupport.freePorts(3);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long t = System.nanoTime();
            Node node = startNode(dir, i, gridPorts, routes, secret);
            nodes.add(node);
            System.out.printf("figure: node-%d started with its grid member in %d ms%n", i + 1,
                    (System.nanoTime() - t) / 1_000_000);
        }
        await("three members", 30_000, () -> nodes.stream()
                .allMatch(n -> n.shared().membership().members().size() == 3));

        JsonNode cluster = JSON.readTree(get(nodes.get(1), "/cluster").body());
        assertEquals("node-2", cluster.get("node").asText());
        assertEquals("joined", cluster.get("grid").asText());
        List<String> ids = new ArrayList<>();
        cluster.get("members").forEach(m -> ids.add(m.get("id").asText()));
        assertEquals(List.of("node-1", "node-2", "node-3"), ids);
        assertTrue(cluster.get("members").get(1).get("self").asBoolean());
        assertEquals("127.0.0.1:" + gridPorts[1], cluster.get("members").get(1).get("address").asText());
        assertTrue(cluster.get("ticketEpochs").size() >= 2, cluster.toString());
        assertEquals("grid", cluster.get("ticketKeys").asText());
        assertFalse(cluster.toString().toLowerCase().contains("aeskey"), "no key material in /cluster");
        HttpResponse<String> ready = get(nodes.get(2), "/readyz");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(get(nodes.get(0), "/metrics").body().contains("phalanx_grid_members 3.0"));

        // steady state: each pool's one endpoint is probed by exactly one node
        await("one prober per endpoint", 30_000, () -> probersPerPool(nodes, 1500).values().stream()
                .allMatch(s -> s.size() == 1));
        Map<String, Set<Integer>> owners = probersPerPool(nodes, 2000);
        owners.values().forEach(s -> assertEquals(1, s.size(), "probers per pool: " + owners));
        assertEquals(POOLS, owners.size());
        int[] before = backends.stream().mapToInt(GridNodeIT::probes).toArray();
        Thread.sleep(3000);
        double perEndpoint = 0;
        for (int i = 0; i < POOLS; i++) {
            perEndpoint += probes(backends.get(i)) - before[i];
        }
        System.out.printf("figure: 3-node grid, probes per endpoint per second: %.2f (interval %d ms)%n",
                perEndpoint / POOLS / 3.0, INTERVAL_MS);
        assertTrue(cluster.get("health").get("active").get("endpoints").asInt() >= 0);

        // a node leaves: the pools it probed are probed by a survivor within a few intervals
        Set<String> moved = owners.entrySet().stream().filter(e -> e.getValue().contains(2))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        Node leaving = nodes.remove(2);
        Map<String, Double> counters = new HashMap<>();
        for (String pool : moved) {
            counters.put(pool, probeCount(nodes, pool));
        }
        long t = System.nanoTime();
        leaving.close();
        long closed = System.nanoTime();
        await("survivors probe the pools node-3 probed " + moved, 30_000,
                () -> moved.stream().allMatch(p -> probeCount(nodes, p) > counters.get(p)));
        System.out.printf("figure: node-3 left gracefully in %d ms; its %d endpoint(s) probed by survivors %d ms "
                + "after%n", (closed - t) / 1_000_000, moved.size(), (System.nanoTime() - closed) / 1_000_000);
        await("one prober per endpoint with two nodes", 30_000, () -> probersPerPool(nodes, 1500).values().stream()
                .allMatch(s -> s.size() == 1));
        assertTrue(get(nodes.get(0), "/metrics").body().contains("phalanx_grid_members 2.0"));
    }

    @Test
    void aSingleNodeProbesEveryEndpointItself() throws Exception {
        List<TestBackend> backends = backends();
        Path dir = Files.createTempDirectory("grid-node-it");
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, routes(backends));
        Node node = startNode(dir, 0, null, routes, null);
        JsonNode cluster = JSON.readTree(get(node, "/cluster").body());
        assertEquals(1, cluster.get("members").size());
        assertEquals(200, get(node, "/readyz").statusCode());
        Thread.sleep(1000);
        int[] before = backends.stream().mapToInt(GridNodeIT::probes).toArray();
        Thread.sleep(3000);
        double perEndpoint = 0;
        for (int i = 0; i < POOLS; i++) {
            perEndpoint += probes(backends.get(i)) - before[i];
        }
        System.out.printf("figure: 1 node (no grid), probes per endpoint per second: %.2f (interval %d ms)%n",
                perEndpoint / POOLS / 3.0, INTERVAL_MS);
        assertTrue(perEndpoint > 0);
    }

    @Test
    void aNodeWhoseGridMembersAreUnreachableStartsAloneAndServes() throws Exception {
        List<TestBackend> backends = backends();
        Path dir = Files.createTempDirectory("grid-node-it");
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, routes(backends));
        Path secret = dir.resolve("grid.key");
        Files.writeString(secret, "grid-node-it-secret-0123456789abcdefghijklmnop\n");
        int[] gridPorts = GridTestSupport.freePorts(3); // nothing listens on the other two
        long t = System.nanoTime();
        Node node = startNode(dir, 0, gridPorts, routes, secret);
        System.out.printf("figure: a node whose two grid peers are down started alone in %d ms%n",
                (System.nanoTime() - t) / 1_000_000);
        assertEquals(200, get(node, "/readyz").statusCode());
        JsonNode cluster = JSON.readTree(get(node, "/cluster").body());
        assertEquals(1, cluster.get("members").size());
        assertTrue(cluster.get("ticketEpochs").size() >= 2, "local ticket keys while alone: " + cluster);
        HttpResponse<String> proxied = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.listenerAddress("web").getPort() + "/p0/x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, proxied.statusCode());
    }

    private Node startNode(Path dir, int i, int[] gridPorts, Path routes, Path secret) throws Exception {
        Path cfg = dir.resolve("node-" + (i + 1) + ".yaml");
        StringBuilder yaml = new StringBuilder("""
                node: { id: node-%d, stateDir: "%s", workerThreads: 1 }
                listeners:
                  - { name: web, bind: "127.0.0.1:0" }
                admin: { bind: "127.0.0.1:0" }
                config: { file: "%s" }
                accessLog: off
                tickets: { rotateEvery: 10s }
                """.formatted(i + 1, dir.resolve("state-" + (i + 1)), routes));
        if (gridPorts != null) {
            yaml.append("grid:\n  clusterName: it-").append(gridPorts[0]).append("\n  bind: \"127.0.0.1:")
                    .append(gridPorts[i]).append("\"\n  secretFile: \"").append(secret).append("\"\n  members: [");
            for (int p = 0; p < gridPorts.length; p++) {
                yaml.append(p == 0 ? "" : ", ").append("\"127.0.0.1:").append(gridPorts[p]).append('"');
            }
            yaml.append("]\n");
        }
        Files.writeString(cfg, yaml);
        Node node = new Node(NodeConfigLoader.load(cfg));
        open.add(node);
        node.start();
        return node;
    }

    private List<TestBackend> backends() {
        List<TestBackend> list = new ArrayList<>();
        for (int i = 0; i < POOLS; i++) {
            TestBackend b = new TestBackend("b" + i).start();
            open.add(b);
            list.add(b);
        }
        return list;
    }

    private static String routes(List<TestBackend> backends) {
        StringBuilder sb = new StringBuilder("routes:\n");
        for (int i = 0; i < backends.size(); i++) {
            sb.append("  - { id: r").append(i).append(", match: { pathPrefix: /p").append(i).append("/ }, pool: p")
                    .append(i).append(" }\n");
        }
        sb.append("pools:\n");
        for (int i = 0; i < backends.size(); i++) {
            sb.append("  - id: p").append(i).append("\n    endpoints: [ { address: \"")
                    .append(backends.get(i).address()).append("\" } ]\n")
                    .append("    healthCheck: { path: /healthz, interval: ").append(INTERVAL_MS)
                    .append("ms, timeout: 150ms, rise: 1, fall: 2 }\n");
        }
        return sb.toString();
    }

    private static int probes(TestBackend backend) {
        return (int) backend.requests().stream().filter(r -> r.uri().equals("/healthz")).count();
    }

    /** Which nodes (by index) probed each pool during {@code windowMillis}. */
    private static Map<String, Set<Integer>> probersPerPool(List<Node> nodes, long windowMillis) {
        Map<String, double[]> before = new HashMap<>();
        for (int p = 0; p < POOLS; p++) {
            double[] counts = new double[nodes.size()];
            for (int n = 0; n < nodes.size(); n++) {
                counts[n] = probeCount(List.of(nodes.get(n)), "p" + p);
            }
            before.put("p" + p, counts);
        }
        try {
            Thread.sleep(windowMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Set<Integer>> out = new HashMap<>();
        for (int p = 0; p < POOLS; p++) {
            Set<Integer> probers = new HashSet<>();
            for (int n = 0; n < nodes.size(); n++) {
                if (probeCount(List.of(nodes.get(n)), "p" + p) > before.get("p" + p)[n]) {
                    probers.add(n);
                }
            }
            out.put("p" + p, probers);
        }
        return out;
    }

    private static final Pattern PROBES = Pattern.compile(
            "phalanx_health_probes_total\\{pool=\"([^\"]+)\",result=\"[a-z]+\"} ([0-9.E]+)");

    /** The sum of the probe counters of {@code pool} over {@code nodes}. */
    private static double probeCount(List<Node> nodes, String pool) {
        double sum = 0;
        for (Node node : nodes) {
            Matcher m = PROBES.matcher(node.meters().scrape());
            while (m.find()) {
                if (m.group(1).equals(pool)) {
                    sum += Double.parseDouble(m.group(2));
                }
            }
        }
        return sum;
    }

    private static HttpResponse<String> get(Node node, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString());
    }


    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
