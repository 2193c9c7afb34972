package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.state.GridTestSupport;
import dev.phalanx.node.cache.Purge;
import dev.phalanx.node.cli.PurgeCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes in this JVM with their embedded grid members on 127.0.0.1, each purging into a recording cache:
 * {@code POST /cache/purge} and the {@code purge} command on one node reach all three, bad bodies are refused with
 * the field named, a slow node is reported missing; a node without a grid purges locally.
 */
class NodePurgeIT {
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
    void aPurgeOnOneNodeReachesEveryNodeThroughTheAdminApiAndTheCommand() throws Exception {
        Path dir = Files.createTempDirectory("node-purge-it");
        Path secret = dir.resolve("grid.key");
        Files.writeString(secret, "node-purge-it-secret-0123456789abcdefghijklmnop\n");
        int[] gridPorts = GridTestSupport.freePorts(3);
        List<Node> nodes = new ArrayList<>();
        List<RecordingCache> caches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(startNode(dir, i, gridPorts, secret));
        }
        await("three members", 30_000, () -> nodes.stream()
                .allMatch(n -> n.shared().membership().members().size() == 3));
        for (Node n : nodes) {
            RecordingCache c = new RecordingCache();
            n.bindPurgeTarget(c);
            caches.add(c);
        }

        HttpResponse<String> r = post(nodes.get(0), "{\"url\": \"HTTP://WWW.Example.TEST/a/B?c=1\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode answer = JSON.readTree(r.body());
        assertEquals(1, answer.get("generation").asLong(), r.body());
        assertEquals("cluster", answer.get("scope").asText());
        assertEquals("[{\"node\":\"node-1\",\"removed\":1},{\"node\":\"node-2\",\"removed\":1},"
                + "{\"node\":\"node-3\",\"removed\":1}]", answer.get("applied").toString());
        assertEquals("[]", answer.get("missing").toString());
        for (RecordingCache c : caches) {
            assertEquals(List.of(new Purge(Purge.Kind.URL, "http://www.example.test/a/B?c=1")), c.purges);
        }

        // the command, from another node
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new PurgeCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8)).run(new String[] {"purge", "--tag", "product-42", "--admin",
                "127.0.0.1:" + nodes.get(1).adminAddress().getPort()});
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        assertEquals(0, exit, printed + err);
        assertTrue(printed.startsWith("purge generation 2, scope cluster"), printed);
        assertTrue(printed.contains("node-3") && printed.contains("1 removed"), printed);
        await("node-3 saw the tag purge", 5000, () -> caches.get(2).purges.size() == 2);
        assertEquals(new Purge(Purge.Kind.TAG, "product-42"), caches.get(2).purges.get(1));

        // bad bodies: 400 naming what was wrong; wrong method: 405
        assertBad(nodes.get(0), "", "body: empty");
        assertBad(nodes.get(0), "{}", "body: give one of url, prefix and tag");
        assertBad(nodes.get(0), "{\"url\": \"ftp://x.test/\"}", "url: \\\"ftp://x.test/\\\" is not an absolute");
        assertBad(nodes.get(0), "{\"tag\": \"a\", \"prefix\": \"http://x.test/\"}", "prefix, tag: give only one");
        assertBad(nodes.get(0), "{\"tag\": \"a\", \"timeout\": \"5 seconds\"}", "timeout: ");
        assertBad(nodes.get(0), "{\"tag\": \"a\", \"timeout\": \"2m\"}", "timeout: 2m is not between 1ms and 60s");
        assertBad(nodes.get(0), "{\"tag\": 7}", "tag: expected a non-empty string");
        assertBad(nodes.get(0), "{\"urls\": \"http://x.test/\"}", "\\\"urls\\\": unknown field");
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(admin(nodes.get(0), "/cache/purge")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals("POST", get.headers().firstValue("allow").orElse(""));

        // a slow node is listed as missing; the answer comes at the timeout; the command exits 1
        caches.get(2).delayMillis = 1500;
        out.reset();
        long t0 = System.nanoTime();
        exit = new PurgeCli(new PrintStream(out, true, StandardCharsets.UTF_8), System.err).run(new String[] {
                "purge", "--prefix", "http://www.example.test/img/", "--timeout", "300ms", "--json", "--admin",
                "127.0.0.1:" + nodes.get(0).adminAddress().getPort()});
        long ms = (System.nanoTime() - t0) / 1_000_000;
        JsonNode slow = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(1, exit, slow.toString());
        assertEquals("[\"node-3\"]", slow.get("missing").toString());
        assertEquals(2, slow.get("applied").size());
        assertTrue(ms < 1400, "answered at the timeout: " + ms + " ms");
        caches.get(2).delayMillis = 0;
        await("node-3 applied it late", 5000, () -> caches.get(2).purges.size() == 3);

        // meters and /cluster
        String metrics = get(nodes.get(2), "/metrics").body();
        assertTrue(metrics.contains("phalanx_cache_purges_applied_total 3.0"), metrics);
        assertTrue(metrics.contains("phalanx_cache_purge_generation 3.0"), metrics);
        JsonNode purge = JSON.readTree(get(nodes.get(1), "/cluster").body()).get("purge");
        assertEquals("grid", purge.get("bus").asText());
        assertEquals(3, purge.get("generation").asLong());
    }

    @Test
    void withoutAGridAPurgeAppliesOnThisNode() throws Exception {
        Path dir = Files.createTempDirectory("node-purge-it");
        Node node = startNode(dir, 0, null, null);
        RecordingCache cache = new RecordingCache();
        node.bindPurgeTarget(cache);
        HttpResponse<String> r = post(node, "{\"prefix\": \"https://a.test/\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"generation\":1,\"scope\":\"local\",\"applied\":[{\"node\":\"node-1\",\"removed\":1}],"
                + "\"missing\":[],\"note\":\"no grid: this node only\"}", r.body().strip());
        assertEquals(List.of(new Purge(Purge.Kind.PREFIX, "https://a.test/")), cache.purges);
    }

    private void assertBad(Node node, String body, String expected) throws Exception {
        HttpResponse<String> r = post(node, body);
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains(expected), "expected " + expected + " in " + r.body());
    }

    private static HttpResponse<String> post(Node node, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(admin(node, "/cache/purge"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(Node node, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(admin(node, path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI admin(Node node, String path) {
        return URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path);
    }

    private Node startNode(Path dir, int i, int[] gridPorts, Path secret) throws Exception {
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, """
                routes:
                  - { id: r, match: { pathPrefix: / }, pool: p }
                pools:
                  - id: p
                    endpoints: [ { address: "127.0.0.1:9" } ]
                """);
        Path cfg = dir.resolve("node-" + (i + 1) + ".yaml");
        StringBuilder yaml = new StringBuilder("""
                node: { id: node-%d, stateDir: "%s", workerThreads: 1 }
                listeners:
                  - { name: web, bind: "127.0.0.1:0" }
                admin: { bind: "127.0.0.1:0" }
                config: { file: "%s" }
                accessLog: off
                """.formatted(i + 1, dir.resolve("state-" + (i + 1)), routes));
        if (gridPorts != null) {
            yaml.append("grid:\n  clusterName: purge-").append(gridPorts[0]).append("\n  bind: \"127.0.0.1:")
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

    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
