package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.cluster.state.GridTestSupport;
import dev.phalanx.node.Node;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes with TLS listeners and embedded grid members on 127.0.0.1: a session made on one node resumes on
 * another (checked with {@code openssl s_client -sess_out/-sess_in}), and still after the node that issued the
 * ticket is gone, because every node installs the ticket keys agreed in the grid.
 */
class GridTlsIT {
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
    void aSessionFromOneNodeResumesOnTheOthersEvenAfterTheIssuerDied() throws Exception {
        TestPki pki = TestPki.create();
        pki.server("a", false, "a.test");
        TestBackend backend = new TestBackend("be").start();
        open.add(backend::close);
        Path dir = Files.createTempDirectory("grid-tls-it");
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, """
                pools:
                  - { id: p, endpoints: [ { address: "127.0.0.1:%d" } ] }
                routes:
                  - { id: all, match: { pathPrefix: / }, pool: p }
                """.formatted(backend.port()));
        Path secret = dir.resolve("grid.key");
        Files.writeString(secret, "grid-tls-it-secret-0123456789abcdefghijklmnopq\n");
        int[] gridPorts = GridTestSupport.freePorts(3);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(startNode(dir, i, gridPorts, routes, secret, pki));
        }
        await("three grid members", 60_000, () -> nodes.stream().allMatch(n -> members(n) == 3));

        // the first node may have started with a local key (no majority yet): wait until the agreed key encrypts
        Path session = dir.resolve("session.pem");
        long t = System.nanoTime();
        await("a session from node-1 resumes on node-2", 60_000, () -> {
            Files.deleteIfExists(session);
            SClient.run(port(nodes.get(0)), "a.test", "-tls1_3", "-sess_out", session.toString());
            return SClient.run(port(nodes.get(1)), "a.test", "-tls1_3", "-sess_in", session.toString())
                    .contains("Reused, TLSv1.3");
        });
        System.out.printf("figure: cross-node resumption working %d ms after the grid formed%n",
                (System.nanoTime() - t) / 1_000_000);

        // TLS 1.3 and TLS 1.2 sessions made on node-1 resume on node-2 and node-3
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            Files.deleteIfExists(session);
            String first = SClient.run(port(nodes.get(0)), "a.test", version, "-sess_out", session.toString());
            assertTrue(first.contains("New, TLSv1."), first);
            for (int i = 1; i < 3; i++) {
                String again = SClient.run(port(nodes.get(i)), "a.test", version, "-sess_in", session.toString());
                assertTrue(again.contains("Reused, TLSv1."), "node-" + (i + 1) + " " + version + ": " + again);
                assertTrue(again.contains("HTTP/1.1 200"), again);
            }
        }

        // the issuing node dies: its sessions still resume on the survivors
        Files.deleteIfExists(session);
        SClient.run(port(nodes.get(0)), "a.test", "-tls1_3", "-sess_out", session.toString());
        nodes.get(0).close();
        String survivor = SClient.run(port(nodes.get(2)), "a.test", "-tls1_3", "-sess_in", session.toString());
        assertTrue(survivor.contains("Reused, TLSv1.3"), survivor);

        // every node shows the same epochs, never key material
        JsonNode c1 = cluster(nodes.get(1));
        JsonNode c2 = cluster(nodes.get(2));
        assertEquals("grid", c1.get("ticketKeys").asText());
        assertEquals(c1.get("ticketEpochs"), c2.get("ticketEpochs"));
    }

    private Node startNode(Path dir, int i, int[] gridPorts, Path routes, Path secret, TestPki pki)
            throws Exception {
        StringBuilder members = new StringBuilder();
        for (int p = 0; p < gridPorts.length; p++) {
            members.append(p == 0 ? "" : ", ").append("\"127.0.0.1:").append(gridPorts[p]).append('"');
        }
        Path cfg = dir.resolve("node-" + (i + 1) + ".yaml");
        Files.writeString(cfg, """
                node: { id: node-%d, stateDir: "%s", workerThreads: 1 }
                listeners:
                  - name: web
                    bind: "127.0.0.1:0"
                    tls: { certificates: [ { certFile: "%s", keyFile: "%s" } ] }
                admin: { bind: "127.0.0.1:0" }
                config: { file: "%s" }
                accessLog: off
                tickets: { rotateEvery: 1h }
                grid:
                  clusterName: tls-it-%d
                  bind: "127.0.0.1:%d"
                  secretFile: "%s"
                  members: [%s]
                """.formatted(i + 1, dir.resolve("state-" + (i + 1)), pki.crt("a"), pki.key("a"), routes,
                gridPorts[0], gridPorts[i], secret, members));
        Node node = new Node(NodeConfigLoader.load(cfg));
        open.add(node);
        node.start();
        return node;
    }

    private static int port(Node node) {
        return node.listenerAddress("web").getPort();
    }

    private static int members(Node node) {
        try {
            return cluster(node).get("members").size();
        } catch (Exception e) {
            return -1;
        }
    }

    private static JsonNode cluster(Node node) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.adminAddress().getPort() + "/cluster")).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }


    interface Check {
        boolean ok() throws Exception;
    }

    private static void await(String what, long timeoutMs, Check check) throws Exception {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }
}
