package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.node.http.DrainState.Phase;
import dev.phalanx.node.testsupport.KeepAliveClient;
import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The drain sequence on a real node in this JVM, under continuous load from plain non-retrying keep-alive clients
 * ({@link DrainLoad}): no request fails, the phases come in order, {@code /healthz} is 200 in {@code closing} and
 * 503 from {@code releasing} on, and the node waits in {@code releasing} for keepalived's word (VRRP BACKUP, posted
 * here by the test) or, without any VRRP report, for the fixed grace. Timing assertions are lower bounds only (a
 * phase lasted at least as long as it must), which a slow machine cannot break.
 */
class DrainSequenceIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DRAIN_CONFIG = """
            limits: { drainTimeout: 20s }
            drain: { idleCloseGrace: 1s, closingMax: 5s, vipReleaseTimeout: 8s, acceptGrace: 500ms, releaseGrace: 1s }
            """;
    private final HttpClient admin = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private TestBackend backend;
    private NodeHarness node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void startNode() {
        backend = new TestBackend("b").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend), DRAIN_CONFIG);
    }

    @Test
    void withVrrpTheNodeKeepsItsVipsUntilKeepalivedReportsBackupAndLosesNothing() throws Exception {
        startNode();
        assertEquals(204, postVrrp("{\"instance\":\"VI_1\",\"state\":\"MASTER\",\"vips\":[\"127.0.0.1\"],"
                + "\"priority\":150}"));
        assertTrue(adminGet("/metrics").body().contains("phalanx_vrrp_master{instance=\"VI_1\"} 1.0"));
        JsonNode vrrp = JSON.readTree(adminGet("/cluster").body()).get("vrrp");
        assertEquals("MASTER", vrrp.get(0).get("state").asText());
        assertEquals("serving", JSON.readTree(adminGet("/cluster").body()).get("drain").get("phase").asText());

        PhaseLog phases = new PhaseLog(node.node());
        HealthLog health = new HealthLog(node.adminAddress().getPort());
        try (DrainLoad load = new DrainLoad(node.port(), node.node().drainState()).start(3)) {
            CompletableFuture<KeepAliveClient.Result> slow = slowRequestInFlight();
            IdleConnection idle = new IdleConnection(node.port());
            Thread.sleep(500);
            long drainStarted = System.nanoTime();
            assertEquals(202, admin.send(adminRequest("/drain").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            long idleClosed = idle.awaitClosedByServer();
            assertTrue(idleClosed - drainStarted >= TimeUnit.MILLISECONDS.toNanos(1000),
                    "an idle keep-alive connection is closed only after idleCloseGrace");

            phases.awaitPhase(Phase.RELEASING, 10_000);
            Thread.sleep(1500); // longer than releaseGrace and acceptGrace: only the VRRP report may end the phase
            assertEquals(Phase.RELEASING, node.node().drainState().phase(), "waits while VI_1 is reported MASTER");
            JsonNode drain = JSON.readTree(adminGet("/cluster").body()).get("drain");
            assertEquals("releasing", drain.get("phase").asText());
            assertEquals("VI_1", drain.get("waitingFor").get(0).asText());
            assertTrue(drain.has("startedAt") && drain.has("inFlight") && drain.has("connections"), drain.toString());

            long backupSent = System.nanoTime();
            load.vipMoved(); // keepalived removes the VIP as it turns BACKUP, before its notify script runs
            assertEquals(204, postVrrp("{\"instance\":\"VI_1\",\"state\":\"BACKUP\",\"vips\":[\"127.0.0.1\"]}"));
            assertTrue(node.node().awaitStopped(25, TimeUnit.SECONDS), "the node stops after the drain");
            load.close();

            assertEquals(200, slow.get(5, TimeUnit.SECONDS).status(), "the request in flight at the start finished");
            assertTrue(phases.at(Phase.FINISHING) - backupSent >= TimeUnit.MILLISECONDS.toNanos(500),
                    "kept accepting for acceptGrace after BACKUP");
            assertNoRequestLost(load, phases, health);
            System.out.println("drain with VRRP: " + phases + "; " + load);
        }
    }

    @Test
    void withoutVrrpTheNodeWaitsTheFixedGraceAndLosesNothing() throws Exception {
        startNode();
        PhaseLog phases = new PhaseLog(node.node());
        HealthLog health = new HealthLog(node.adminAddress().getPort());
        try (DrainLoad load = new DrainLoad(node.port(), node.node().drainState()).start(2)) {
            CompletableFuture<KeepAliveClient.Result> slow = slowRequestInFlight();
            Thread.sleep(500);
            node.node().startDrain(); // as SIGTERM does
            phases.awaitPhase(Phase.RELEASING, 10_000);
            Thread.sleep(300);
            load.vipMoved(); // a load balancer saw /healthz 503 and sends no new connection here
            assertTrue(node.node().awaitStopped(25, TimeUnit.SECONDS), "the node stops after the drain");
            load.close();

            assertEquals(200, slow.get(5, TimeUnit.SECONDS).status(), "the request in flight at the start finished");
            assertTrue(phases.at(Phase.FINISHING) - phases.at(Phase.RELEASING) >= TimeUnit.MILLISECONDS.toNanos(1000),
                    "releasing lasts releaseGrace without VRRP: " + phases);
            assertNoRequestLost(load, phases, health);
            System.out.println("drain without VRRP: " + phases + "; " + load);
        }
    }

    private void assertNoRequestLost(DrainLoad load, PhaseLog phases, HealthLog health) {
        assertEquals(List.of(), load.failures, "no request failed: " + load);
        assertEquals(List.of(Phase.CLOSING, Phase.RELEASING, Phase.FINISHING), phases.order(), "phases in order");
        assertTrue(phases.at(Phase.RELEASING) - phases.at(Phase.CLOSING) >= TimeUnit.MILLISECONDS.toNanos(1000),
                "closing waited for the request in flight since before the drain: " + phases);
        assertEquals(0, load.keptAliveWhileDraining.get(), "every response during the drain said Connection: close");
        assertTrue(load.responses.get(Phase.SERVING).get() > 0, load.toString());
        assertTrue(load.responses.get(Phase.CLOSING).get() > 0, load.toString());
        assertTrue(load.newConnections.get(Phase.RELEASING).get() > 0,
                "new connections were accepted while releasing: " + load);
        List<String> answers = health.distinctAnswers();
        assertTrue(answers.size() >= 3 && answers.get(0).equals("200 ok")
                        && answers.get(1).equals("200 draining: closing")
                        && answers.get(2).equals("503 draining: releasing")
                        && (answers.size() == 3 || answers.subList(3, answers.size()).equals(List.of(
                        "503 draining: finishing"))),
                "healthz answers in order: " + answers);
    }

    /** A keep-alive connection that served one request and then waits; it notes when the server closed it. */
    static final class IdleConnection {
        private final java.net.Socket socket;

        IdleConnection(int port) throws java.io.IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write("GET /idle HTTP/1.1\r\nHost: drain.test\r\n\r\n".getBytes());
            java.io.InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            int length = Integer.parseInt(head.toString().toLowerCase(java.util.Locale.ROOT)
                    .split("content-length: ")[1].split("\r\n")[0].trim());
            in.readNBytes(length);
            assertTrue(!head.toString().toLowerCase(java.util.Locale.ROOT).contains("connection: close"), head.toString());
        }

        /** Blocks until the server's FIN (read gives -1) and returns when it came. */
        long awaitClosedByServer() throws java.io.IOException {
            try (socket) {
                assertEquals(-1, socket.getInputStream().read(), "nothing but the FIN comes");
                return System.nanoTime();
            }
        }
    }

    /** A 1.5 s request on its own connection, started before the drain. */
    private CompletableFuture<KeepAliveClient.Result> slowRequestInFlight() {
        int port = node.port();
        return CompletableFuture.supplyAsync(() -> {
            try (KeepAliveClient c = new KeepAliveClient(port, 1)) {
                return c.get("/slow/1500");
            }
        });
    }

    private int postVrrp(String body) throws Exception {
        return admin.send(adminRequest("/vrrp").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private HttpResponse<String> adminGet(String path) throws Exception {
        return admin.send(adminRequest(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder adminRequest(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(5));
    }

    /** When the node entered each phase, watched from a thread every millisecond. */
    static final class PhaseLog {
        private final Map<Phase, Long> at = Collections.synchronizedMap(new EnumMap<>(Phase.class));
        private final List<Phase> order = Collections.synchronizedList(new ArrayList<>());

        PhaseLog(Node node) {
            Thread t = new Thread(() -> {
                Phase seen = Phase.SERVING;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (seen != Phase.FINISHING && System.nanoTime() < end) {
                    Phase now = node.drainState().phase();
                    if (now != seen) {
                        at.put(now, System.nanoTime());
                        order.add(now);
                        seen = now;
                    }
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "phase-log");
            t.setDaemon(true);
            t.start();
        }

        long at(Phase p) {
            Long t = at.get(p);
            if (t == null) {
                throw new AssertionError("phase " + p + " never seen; seen " + order);
            }
            return t;
        }

        List<Phase> order() {
            return List.copyOf(order);
        }

        void awaitPhase(Phase p, long timeoutMillis) throws InterruptedException {
            long end = System.currentTimeMillis() + timeoutMillis;
            while (!at.containsKey(p) && System.currentTimeMillis() < end) {
                Thread.sleep(5);
            }
            at(p);
        }

        @Override
        public String toString() {
            long closing = at.getOrDefault(Phase.CLOSING, 0L);
            StringBuilder sb = new StringBuilder("phases at");
            for (Phase p : order()) {
                sb.append(' ').append(p.text()).append(" +").append((at.get(p) - closing) / 1_000_000).append(" ms");
            }
            return sb.toString();
        }
    }

    /** {@code GET /healthz} every 20 ms as keepalived's check would, recording each new answer until the node stops. */
    static final class HealthLog {
        private final List<String> answers = Collections.synchronizedList(new ArrayList<>());

        HealthLog(int adminPort) {
            Thread t = new Thread(() -> {
                long end = System.currentTimeMillis() + 60_000;
                try (KeepAliveClient c = new KeepAliveClient(adminPort, 1)) {
                    while (System.currentTimeMillis() < end) {
                        KeepAliveClient.Result r = c.get("/healthz");
                        if (r.outcome() != KeepAliveClient.Outcome.RESPONSE) {
                            return; // the admin port closed with the node
                        }
                        String answer = r.status() + " " + r.body();
                        if (answers.isEmpty() || !answers.get(answers.size() - 1).equals(answer)) {
                            answers.add(answer);
                        }
                        Thread.sleep(20);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "health-log");
            t.setDaemon(true);
            t.start();
        }

        List<String> distinctAnswers() {
            return List.copyOf(answers);
        }
    }
}
