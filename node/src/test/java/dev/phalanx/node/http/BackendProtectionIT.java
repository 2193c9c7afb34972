package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Backend protection end to end (docs/configuration.md#protecting-the-backends), against a real node and real backends
 * on loopback: the retry budget is a pool's own and bounds the attempts a failing backend receives, failure-rate
 * circuit breaking ejects an endpoint and says why in /cluster, and slow start ramps a new endpoint's share.
 */
class BackendProtectionIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<TestBackend> backends = new ArrayList<>();
    private NodeHarness node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        backends.forEach(TestBackend::close);
    }

    private TestBackend backend(String name) {
        TestBackend b = new TestBackend(name).start();
        backends.add(b);
        return b;
    }

    private int get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(30)).build(),
                BodyHandlers.discarding()).statusCode();
    }

    private String admin(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort()
                + path)).build(), BodyHandlers.ofString()).body();
    }

    /** A loopback port nothing listens on: connecting to it is refused at once. */
    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aFailingPoolSpendsOnlyItsOwnRetryBudget() throws Exception {
        TestBackend failing = backend("failing");
        TestBackend live = backend("live");
        int dead = deadPort();
        // the node-wide budget is tight (0 % of requests, 1 retry a second); pool 'bad' uses it, pool 'good' has
        // its own. A node-wide budget spent by 'bad' would refuse the retries 'good' needs.
        node = NodeHarness.start("""
                routes:
                  - id: bad
                    match: { pathPrefix: /status/503 }
                    pool: bad
                    retries: { attempts: 2, on: ["503"] }
                  - id: good
                    match: { pathPrefix: / }
                    pool: good
                    retries: { attempts: 2, on: [connect-failure] }
                pools:
                  - id: bad
                    endpoints: [ { address: "%s" } ]
                  - id: good
                    lb: round-robin
                    retryBudget: { percent: 100, minRetriesPerSecond: 100 }
                    endpoints: [ { address: "127.0.0.1:%d" }, { address: "%s" } ]
                """.formatted(failing.address(), dead, live.address()),
                "upstream: { retryBudgetPercent: 0, retryBudgetMinPerSecond: 1 }\n");
        int requests = 100;
        long start = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            assertEquals(503, get("/status/503"));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int attempts = failing.requestCount();
        System.out.printf("FIGURE retry budget 0%% + 1/s, 2 retries on 503: %d requests in %.1f s reached the failing"
                + " backend as %d attempts (without a budget: %d)%n", requests, seconds, attempts, 3 * requests);
        // at most one retry per second of the burst (a second boundary may let one more through)
        assertTrue(attempts <= requests + Math.ceil(seconds) + 2, attempts + " attempts for " + requests + " requests");
        assertTrue(attempts > requests, "the budget allows a retry a second: none was made");
        int ok = 0;
        for (int i = 0; i < 20; i++) {
            ok += get("/ok") == 200 ? 1 : 0; // every other one is first sent to the dead endpoint and retried
        }
        assertEquals(20, ok, "pool 'good' retries on its own budget");
        assertTrue(live.requestCount() == 20, "the live endpoint answered all 20: " + live.requestCount());
        String metrics = admin("/metrics");
        assertTrue(metrics.matches("(?s).*phalanx_upstream_retry_budget_exhausted_total\\{pool=\"bad\"} [1-9].*"), metrics);
        assertTrue(!metrics.matches("(?s).*phalanx_upstream_retry_budget_exhausted_total\\{pool=\"good\"} [1-9].*"),
                "pool good's budget was never exhausted");
    }

    @Test
    void aFailureRateOverTheThresholdEjectsTheEndpointWithItsReason() throws Exception {
        TestBackend live = backend("live");
        int dead = deadPort();
        // consecutive failures set high: only the failure rate can eject
        node = NodeHarness.start("""
                routes:
                  - id: all
                    match: { pathPrefix: / }
                    pool: p
                    retries: { attempts: 1, on: [connect-failure] }
                pools:
                  - id: p
                    lb: round-robin
                    outlier: { consecutiveFailures: 1000, ejection: 60s, maxEjectedPercent: 50,
                               failureRate: { threshold: 50, minRequests: 10, window: 30s } }
                    endpoints: [ { address: "127.0.0.1:%d" }, { address: "%s" } ]
                """.formatted(dead, live.address()));
        int ok = 0;
        for (int i = 0; i < 60; i++) {
            ok += get("/x") == 200 ? 1 : 0;
        }
        assertEquals(60, ok, "every request retried onto the live endpoint");
        JsonNode cluster = new ObjectMapper().readTree(admin("/cluster"));
        JsonNode deadEndpoint = null;
        for (JsonNode p : cluster.path("pools")) {
            for (JsonNode e : p.path("endpoints")) {
                if (e.path("address").asText().endsWith(":" + dead)) {
                    deadEndpoint = e;
                }
            }
        }
        assertNotNull(deadEndpoint, cluster.toPrettyString());
        System.out.println("FIGURE failure-rate breaker: dead endpoint in /cluster after 60 requests: " + deadEndpoint);
        assertTrue(deadEndpoint.path("ejected").asBoolean(), deadEndpoint.toString());
        assertEquals("failure-rate", deadEndpoint.path("reason").asText(), deadEndpoint.toString());
        assertTrue(admin("/metrics").matches(
                "(?s).*phalanx_outlier_ejections_total\\{[^}]*reason=\"failure-rate\"[^}]*} [1-9].*"));
        // ejected: the live endpoint takes every request at the first attempt now
        int before = live.requestCount();
        for (int i = 0; i < 10; i++) {
            assertEquals(200, get("/x"));
        }
        assertEquals(before + 10, live.requestCount());
    }

    @Test
    void slowStartRampsANewEndpointsShare() throws Exception {
        TestBackend a = backend("a");
        TestBackend b = backend("b");
        String pool = "lb: round-robin\nslowStart: { window: 4s, minWeightPercent: 10 }\n";
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, pool, a));
        assertEquals(200, get("/warm"));
        node.writeRoutes(NodeHarness.simpleRoutes(null, pool, a, b));
        // wait for b's first request: the ramp started when the node applied the change, just before
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (b.requestCount() == 0) {
            assertTrue(System.nanoTime() < deadline, "the new endpoint got no request within 30 s");
            get("/probe");
        }
        long t0 = System.nanoTime();
        int[] toA = new int[12];
        int[] toB = new int[12];
        int slice = 0;
        while (slice < 12) { // 12 slices of 500 ms: the 4 s window and 2 s beyond
            int a0 = a.requestCount();
            int b0 = b.requestCount();
            get("/r");
            slice = (int) ((System.nanoTime() - t0) / 500_000_000L);
            if (slice < 12) {
                toA[slice] += a.requestCount() - a0;
                toB[slice] += b.requestCount() - b0;
            }
        }
        StringBuilder shares = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            shares.append(String.format(" %.2f", share(toB[i], toA[i])));
        }
        System.out.println("FIGURE slow start 4 s from 10 %: new endpoint's share per 500 ms:" + shares);
        double first = share(toB[0] + toB[1], toA[0] + toA[1]);
        double last = share(toB[10] + toB[11], toA[10] + toA[11]);
        assertTrue(toA[0] + toB[0] + toA[1] + toB[1] >= 20 && toA[10] + toB[10] + toA[11] + toB[11] >= 20,
                "too few requests to tell a share: " + shares);
        // expected about 0.15 in the first second (weight 10 % -> 32 %) and 0.50 once the window is over
        assertTrue(first < 0.33, "first second's share " + first);
        assertTrue(last > 0.40, "share after the window " + last);
    }

    private static double share(int b, int a) {
        return a + b == 0 ? 0 : (double) b / (a + b);
    }
}
