package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.ratelimit.HeldQuota;
import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawHttp;
import dev.phalanx.node.testsupport.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests waiting in the limit phase of a real node, with leases the test answers by hand (a grid that takes its
 * time; the real local counters decide the grants): a waiting request's body is held back and forwarded once the
 * lease admits it; a wait that runs out is a 429; a client that leaves while waiting is cleaned up (no buffer
 * leaks, checked by the leak guard; nothing reaches the backend); waiting requests per key are capped.
 */
class RateLimitWaitIT {
    private TestBackend backend;
    private NodeHarness node;
    private HeldQuota quota; // leases complete only when the test answers them

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        if (quota != null) {
            quota.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private void start(String rateLimit) {
        backend = new TestBackend("a").start();
        quota = new HeldQuota();
        node = NodeHarness.startWithQuota(NodeHarness.simpleRoutes("rateLimit: " + rateLimit + "\n", null, backend),
                quota);
    }

    private String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.adminAddress().getPort() + "/metrics")).build(), BodyHandlers.ofString()).body();
    }

    private void awaitLeaseAsked() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (quota.waiting() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(quota.waiting() > 0, "the node asked for a lease");
    }

    private static String readAll(Socket s, int quietMillis) throws Exception {
        s.setSoTimeout(quietMillis);
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                got.write(buf, 0, n);
                if (got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n{")) {
                    break;
                }
            }
        } catch (SocketTimeoutException quiet) {
            // nothing more
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aWaitingRequestKeepsItsBodyAndIsForwardedWhenTheLeaseAdmitsIt() throws Exception {
        start("{ key: route, limit: 100, window: 1h, maxWait: 10s }");
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 20000\r\n\r\n").getBytes(
                    StandardCharsets.ISO_8859_1));
            out.write(new byte[5000]);
            out.flush();
            awaitLeaseAsked();
            Thread.sleep(100);
            out.write(new byte[15000]); // more body while the request waits
            out.flush();
            Thread.sleep(100);
            assertEquals(0, backend.requestCount(), "nothing forwarded while waiting");
            quota.answerAll();
            String r = readAll(s, 5000);
            assertTrue(r.startsWith("HTTP/1.1 200 "), r);
            assertTrue(r.contains("\"bodyBytes\": 20000"), "the whole body reached the backend: " + r);
            assertTrue(r.toLowerCase().contains("ratelimit: \"all\";r=1;"), "one token of the 2-token lease left: " + r);
        }
    }

    @Test
    void aWaitThatRunsOutIsA429AndReleasesTheBody() throws Exception {
        start("{ key: route, limit: 100, window: 1h, maxWait: 200ms }");
        long t0 = System.nanoTime();
        String r;
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.getOutputStream().write(("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3000\r\n\r\n"
                    + "x".repeat(3000)).getBytes(StandardCharsets.ISO_8859_1));
            r = readAll(s, 3000);
        }
        long waited = (System.nanoTime() - t0) / 1_000_000;
        // the body was held unread, so the node closes the connection after the 429 (as for any error before the
        // body was read)
        assertTrue(r.startsWith("HTTP/1.1 429 "), r);
        assertTrue(r.toLowerCase().contains("retry-after: 1\r\n"), "the budget is not spent: " + r);
        assertTrue(waited >= 190, "answered after the wait, not before: " + waited + " ms");
        assertEquals(0, backend.requestCount());
        assertTrue(metrics().contains("phalanx_ratelimit_waits_total{outcome=\"timeout\"} 1.0"));
        quota.answerAll(); // the late lease: its tokens stay for the next request
        HttpClient c = HttpClient.newHttpClient();
        assertEquals(200, c.send(HttpRequest.newBuilder(URI.create(node.url("/y"))).build(), BodyHandlers.ofString())
                .statusCode());
    }

    @Test
    void aClientThatLeavesWhileWaitingIsForgotten() throws Exception {
        start("{ key: route, limit: 100, window: 1h, maxWait: 10s }");
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /gone HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n").getBytes(
                    StandardCharsets.ISO_8859_1));
            out.write(new byte[30000]);
            out.flush();
            awaitLeaseAsked();
            Thread.sleep(100);
        } // the client closes with its body half sent and held by the node
        Thread.sleep(300);
        quota.answerAll();
        Thread.sleep(100);
        assertEquals(0, backend.requestCount(), "a request whose client left is not forwarded");
        HttpClient c = HttpClient.newHttpClient();
        String h = c.send(HttpRequest.newBuilder(URI.create(node.url("/y"))).build(), BodyHandlers.ofString())
                .headers().firstValue("ratelimit").orElse("");
        assertTrue(h.startsWith("\"all\";r=1;"), "both lease tokens were still there for the next request: " + h);
        String m = metrics();
        assertTrue(m.contains("phalanx_requests_total{code=\"499\",route=\"all\"} 1.0"), m);
        assertTrue(m.contains("phalanx_ratelimit_waits_total{outcome=\"cancelled\"} 1.0"), m);
    }

    @Test
    void waitingRequestsPerKeyAreCapped() throws Exception {
        start("{ key: route, limit: 2, window: 1h, maxWait: 10s }"); // at most 2 wait (never more than the limit)
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> waiting = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                waiting.add(pool.submit(() -> RawHttp.exchange(node.port(), "GET /w HTTP/1.1\r\nHost: a\r\n"
                        + "Connection: close\r\n\r\n", 8000)));
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!metrics().contains("phalanx_ratelimit_waiting 2.0") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(metrics().contains("phalanx_ratelimit_waiting 2.0"), "two requests wait");
            String third = RawHttp.exchange(node.port(), "GET /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                    8000);
            assertTrue(third.startsWith("HTTP/1.1 429 "), third);
            quota.answerAll(); // 1 token (2% of 2, at least 1); the second waiter's lease is asked next
            Thread.sleep(200);
            quota.answerAll();
            for (Future<String> f : waiting) {
                assertTrue(f.get().startsWith("HTTP/1.1 200 "), f.get());
            }
            String m = metrics();
            assertTrue(m.contains("phalanx_ratelimit_waits_total{outcome=\"full\"} 1.0"), m);
            assertTrue(m.contains("phalanx_ratelimit_waits_total{outcome=\"admitted\"} 2.0"), m);
            assertTrue(m.contains("phalanx_ratelimit_waiting 0.0"), m);
        } finally {
            pool.shutdownNow();
        }
    }
}
