package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Route rate limits on one real node (local quota): exact admitted counts per window, 429 with Retry-After, the
 * RateLimit headers and the JSON error body, keys by route, client address and header, and the metrics. Windows are
 * an hour long so a test does not straddle two; if it does anyway (the clock crossed a full hour), it runs again.
 */
class RateLimitIT {
    private static final long HOUR = 3_600_000;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
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

    private void start(String rateLimit) {
        backend = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("rateLimit: " + rateLimit + "\n", null, backend));
    }

    private HttpResponse<String> get(String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url("/x"))).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), BodyHandlers.ofString());
    }

    private String metrics() throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort()
                + "/metrics")).build(), BodyHandlers.ofString()).body();
    }

    private static boolean sameHour(long startMillis) {
        return startMillis / HOUR == System.currentTimeMillis() / HOUR;
    }

    @Test
    void routeLimitAdmitsExactlyTheLimitThenAnswers429WithHeaders() throws Exception {
        start("{ key: route, limit: 5, window: 1h }");
        for (int attempt = 0; attempt < 2; attempt++) {
            long t0 = System.currentTimeMillis();
            int before = backend.requestCount();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                responses.add(get());
            }
            if (!sameHour(t0)) {
                continue;
            }
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> r = responses.get(i);
                assertEquals("\"all\";q=5;w=3600", r.headers().firstValue("ratelimit-policy").orElse(null));
                String rl = r.headers().firstValue("ratelimit").orElse("");
                long reset = (HOUR - t0 % HOUR + 999) / 1000;
                if (i < 5) {
                    assertEquals(200, r.statusCode(), "request " + i);
                    assertTrue(rl.startsWith("\"all\";r=" + (4 - i) + ";t="), rl);
                    assertTrue(r.headers().firstValue("retry-after").isEmpty());
                } else {
                    assertEquals(429, r.statusCode(), "request " + i);
                    assertTrue(rl.startsWith("\"all\";r=0;t="), rl);
                    long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
                    assertTrue(retryAfter >= 1 && retryAfter <= reset, "Retry-After " + retryAfter + " <= " + reset);
                    assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
                    assertTrue(r.body().startsWith("{\"status\": 429, \"error\": \"rate limited\", \"requestId\": \""),
                            r.body());
                }
            }
            assertEquals(5, backend.requestCount() - before, "the backend saw exactly the admitted requests");
            String m = metrics();
            assertTrue(m.contains("phalanx_ratelimit_rejected_total{route=\"all\"} 7.0"), m);
            assertTrue(m.contains("phalanx_ratelimit_degraded 0.0"), m);
            assertTrue(m.contains("phalanx_requests_total{code=\"429\",route=\"all\"} 7.0"), m);
            return;
        }
        throw new AssertionError("the clock crossed an hour boundary twice");
    }

    @Test
    void clientAddressesAndHeaderValuesHaveTheirOwnBudgets() throws Exception {
        start("{ key: client-ip, limit: 3, window: 1h }");
        for (int attempt = 0; attempt < 2; attempt++) {
            long t0 = System.currentTimeMillis();
            int[] admitted = new int[3];
            for (int i = 0; i < 15; i++) {
                // 127.0.0.1 is a trusted proxy by default: X-Forwarded-For names the client
                HttpResponse<String> r = get("X-Forwarded-For", "203.0.113." + (i % 3 + 1) + attempt * 10);
                admitted[i % 3] += r.statusCode() == 200 ? 1 : 0;
            }
            if (sameHour(t0)) {
                assertEquals(List.of(3, 3, 3), List.of(admitted[0], admitted[1], admitted[2]));
                break;
            }
        }
        node.writeRoutes(NodeHarness.simpleRoutes("rateLimit: { key: \"header:x-api-key\", limit: 2, window: 1h }\n",
                null, backend));
        long deadline = System.currentTimeMillis() + 5000;
        while (get("x-api-key", "probe").headers().firstValue("ratelimit-policy").orElse("").contains("q=3")
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(50); // the node re-reads the routes file
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            long t0 = System.currentTimeMillis();
            int alice = 0;
            int bob = 0;
            for (int i = 0; i < 5; i++) {
                alice += get("x-api-key", "alice" + attempt).statusCode() == 200 ? 1 : 0;
                bob += get("x-api-key", "bob" + attempt).statusCode() == 200 ? 1 : 0;
            }
            if (sameHour(t0)) {
                assertEquals(2, alice);
                assertEquals(2, bob);
                return;
            }
        }
        throw new AssertionError("the clock crossed an hour boundary twice");
    }
}
