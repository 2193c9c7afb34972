package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.state.GridTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * End to end, issue 17's purge tests: three nodes with a grid on 127.0.0.1 (two in this JVM, node-3 a process of its
 * own so it can be frozen) and one backend that counts requests per path and answers {@code max-age=600} with a
 * {@code Surrogate-Key}. An object cached on every node, purged on node-1 by URL, is fetched from the backend again
 * by nodes 2 and 3; a tag purge likewise; and node-3, frozen with SIGSTOP while a purge is made and woken after the
 * grid dropped it, replays the purge and goes upstream for the purged object instead of serving it; node-3 killed
 * while an object is purged and started again does not serve it either.
 */
class CachePurgeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String HOST = "www.example.test";
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private Process node3;

    @AfterEach
    void close() throws Exception {
        if (node3 != null) {
            signal(node3, "CONT");
            node3.destroy();
            if (!node3.waitFor(30, TimeUnit.SECONDS)) {
                node3.destroyForcibly();
            }
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aPurgeOnOneNodeIsSeenOnEveryNodeAndByANodeThatWasFrozenDuringIt() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        backend.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            int n = hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] body = ("version " + n + " of " + path + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Cache-Control", "public, max-age=600");
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.getResponseHeaders().set("Surrogate-Key", path.startsWith("/t/") ? "group-t all" : "all");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        backend.start();
        open.add(() -> backend.stop(0));

        Path dir = Files.createTempDirectory("cache-purge-it");
        Path secret = dir.resolve("grid.key");
        Files.writeString(secret, "cache-purge-it-secret-0123456789abcdefghijklmnop\n");
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, """
                routes:
                  - { id: site, match: { pathPrefix: / }, pool: web, cache: {} }
                pools:
                  - id: web
                    endpoints: [ { address: "127.0.0.1:%d" } ]
                """.formatted(backend.getAddress().getPort()));
        int[] gridPorts = GridTestSupport.freePorts(3);
        int[] node3Ports = GridTestSupport.freePorts(2); // web, admin
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Node node = new Node(NodeConfigLoader.load(config(dir, i, gridPorts, secret, routes, 0, 0)));
            open.add(node);
            node.start();
            nodes.add(node);
        }
        Path cfg3 = config(dir, 2, gridPorts, secret, routes, node3Ports[0], node3Ports[1]);
        node3 = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--config", cfg3.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("node-3.log").toFile()).start();
        int[] web = {nodes.get(0).listenerAddress("web").getPort(), nodes.get(1).listenerAddress("web").getPort(),
                node3Ports[0]};
        int[] admin = {nodes.get(0).adminAddress().getPort(), nodes.get(1).adminAddress().getPort(), node3Ports[1]};
        await("three members seen by every node", 90_000, () -> {
            for (int a : admin) {
                JsonNode c = cluster(a);
                if (c == null || c.get("members").size() != 3) {
                    return false;
                }
            }
            return true;
        });

        // an object cached on every node: one backend request per node, the second request of each a hit
        for (int i = 0; i < 3; i++) {
            get(web[i], "/obj");
            Answer again = get(web[i], "/obj");
            System.out.println("node-" + (i + 1) + " second GET /obj: Cache-Status " + again.header("cache-status")
                    + ", " + again.body.strip());
        }
        assertEquals(3, count("/obj"), "each node fetched /obj once and then served it from its cache");

        // purge by URL on node-1: nodes 2 and 3 go upstream for it again
        long t0 = System.nanoTime();
        JsonNode purge = purge(admin[0], "{\"url\": \"http://" + HOST + "/obj\"}");
        System.out.printf("FIGURE purge by URL through node-1's admin API, 3 nodes: %d ms: %s%n",
                (System.nanoTime() - t0) / 1_000_000, purge);
        assertEquals("[]", purge.get("missing").toString());
        assertEquals(3, purge.get("applied").size());
        // removed: 1 each, or 0 on a node whose catch-up took the purge from the log just before the broadcast came;
        // the backend's counts below are the evidence
        assertTrue(get(web[1], "/obj").body.contains("version 4"));
        assertTrue(get(web[2], "/obj").body.contains("version 5"));
        assertEquals(5, count("/obj"), "nodes 2 and 3 went upstream for the purged object");

        // purge by tag on node-2: both tagged objects go from node-1's cache
        get(web[0], "/t/a");
        get(web[0], "/t/b");
        get(web[0], "/t/a");
        assertEquals(1, count("/t/a"));
        JsonNode byTag = purge(admin[1], "{\"tag\": \"group-t\"}");
        assertEquals("[]", byTag.get("missing").toString(), byTag.toString());
        get(web[0], "/t/a");
        get(web[0], "/t/b");
        assertEquals(2, count("/t/a"));
        assertEquals(2, count("/t/b"));

        // node-3 is frozen while /p is purged; when it is back it does not serve the purged /p
        get(web[2], "/p");
        get(web[2], "/p");
        assertEquals(1, count("/p"));
        signal(node3, "STOP");
        long frozenAt = System.nanoTime();
        JsonNode whileFrozen = purge(admin[0], "{\"url\": \"http://" + HOST + "/p\", \"timeout\": \"2s\"}");
        System.out.println("purge while node-3 is frozen: " + whileFrozen);
        assertEquals("[\"node-3\"]", whileFrozen.get("missing").toString());
        await("node-3 dropped from the grid", 60_000, () -> cluster(admin[0]).get("members").size() == 2);
        System.out.printf("FIGURE node-3 dropped %d ms after SIGSTOP%n", (System.nanoTime() - frozenAt) / 1_000_000);
        await("the purge is logged", 40_000, () -> cluster(admin[0]).get("purge").get("generation").asLong() >= 3);
        long generation = cluster(admin[0]).get("purge").get("generation").asLong();
        signal(node3, "CONT");
        long wokeAt = System.nanoTime();
        await("node-3 merged back and at generation " + generation, 90_000, () -> {
            JsonNode c = cluster(admin[2]);
            return c != null && c.get("members").size() == 3 && c.get("purge").get("generation").asLong() >= generation;
        });
        JsonNode p3 = cluster(admin[2]).get("purge");
        System.out.printf("FIGURE node-3 back in the grid and caught up %d ms after SIGCONT: %s%n",
                (System.nanoTime() - wokeAt) / 1_000_000, p3);
        Answer after = get(web[2], "/p");
        assertEquals(2, count("/p"), "node-3 went upstream for the object purged while it was frozen: " + after.body);

        // node-3 down while /r is purged, then started again: it does not serve the purged /r
        get(web[2], "/r");
        get(web[2], "/r");
        assertEquals(1, count("/r"));
        node3.destroyForcibly(); // a crash, by its own handle
        assertTrue(node3.waitFor(30, TimeUnit.SECONDS));
        await("node-3 gone from the grid", 60_000, () -> cluster(admin[0]).get("members").size() == 2);
        JsonNode whileDown = purge(admin[0], "{\"url\": \"http://" + HOST + "/r\"}");
        System.out.println("purge while node-3 is down: " + whileDown);
        node3 = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
                "--config", cfg3.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("node-3-again.log").toFile()).start();
        await("node-3 started again and in the grid", 90_000, () -> {
            JsonNode c = cluster(admin[2]);
            return c != null && c.get("members").size() == 3;
        });
        Answer restarted = get(web[2], "/r");
        assertEquals(2, count("/r"), "node-3, started again after the purge, went upstream: " + restarted.body);
        assertTrue(restarted.body.contains("version 2"), restarted.body);
    }

    private int count(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    private static JsonNode purge(int adminPort, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + "/cache/purge")).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode cluster(int adminPort) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                    + "/cluster")).timeout(java.time.Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** A response read off a raw HTTP/1.1 exchange (the Host header is the site's, not the node's address). */
    private record Answer(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private static Answer get(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            String head = all.substring(0, end);
            int status = Integer.parseInt(head.substring(9, 12));
            assertEquals(200, status, all);
            return new Answer(status, head, all.substring(end + 4));
        }
    }

    private static Path config(Path dir, int i, int[] gridPorts, Path secret, Path routes, int webPort, int adminPort)
            throws IOException {
        Path cfg = dir.resolve("node-" + (i + 1) + ".yaml");
        StringBuilder yaml = new StringBuilder("""
                node: { id: node-%d, stateDir: "%s", workerThreads: 1 }
                listeners:
                  - { name: web, bind: "127.0.0.1:%d" }
                admin: { bind: "127.0.0.1:%d" }
                config: { file: "%s" }
                accessLog: off
                """.formatted(i + 1, dir.resolve("state-" + (i + 1)), webPort, adminPort, routes));
        yaml.append("grid:\n  clusterName: cache-purge-").append(gridPorts[0]).append("\n  bind: \"127.0.0.1:")
                .append(gridPorts[i]).append("\"\n  secretFile: \"").append(secret).append("\"\n  members: [");
        for (int p = 0; p < gridPorts.length; p++) {
            yaml.append(p == 0 ? "" : ", ").append("\"127.0.0.1:").append(gridPorts[p]).append('"');
        }
        yaml.append("]\n");
        Files.writeString(cfg, yaml);
        return cfg;
    }

    private static void signal(Process p, String signal) throws Exception {
        if (p.isAlive()) {
            new ProcessBuilder("sh", "-c", "kill -" + signal + " \"$1\"", "sh", Long.toString(p.pid())).inheritIO()
                    .start().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
