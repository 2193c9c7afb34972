package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Pool limits against a real node and backend on loopback: caps counted at the backend, queue full and timeout. */
class AdmissionIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
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

    private List<HttpResponse<String>> burst(String path, int n) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(URI.create(node.url(path)))
                    .timeout(Duration.ofSeconds(60)).build(), BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> out = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : all) {
            out.add(f.get());
        }
        return out;
    }

    @Test
    void capsHoldAtTheBackendAndAFullQueueAnswers503WithRetryAfter() throws Exception {
        backend = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null,
                "limits: { maxConnections: 2, queue: { size: 3, timeout: 60s } }", backend));
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger maxOpen = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                maxOpen.accumulateAndGet(backend.openConnections(), Math::max);
                Thread.onSpinWait();
            }
        });
        sampler.start();
        List<HttpResponse<String>> rs = burst("/slow/500", 12);
        sampling.set(false);
        sampler.join();
        int ok = 0;
        int full = 0;
        for (HttpResponse<String> r : rs) {
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.body().contains("upstream queue full"), r.body());
                assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
                full++;
            }
        }
        System.out.println("FIGURE admission burst of 12, maxConnections 2, queue 3: " + ok + " x 200, " + full
                + " x 503, backend saw at most " + maxOpen.get() + " connections");
        assertTrue(maxOpen.get() <= 2, "the backend saw " + maxOpen.get() + " connections at once");
        assertTrue(ok >= 5, "2 in flight and 3 queued are served: " + ok);
        assertTrue(full >= 1, "12 at once overflow 2 + 3");
    }

    @Test
    void aWaitLongerThanTheQueueTimeoutAnswers503() throws Exception {
        backend = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null,
                "limits: { maxRequests: 1, queue: { size: 10, timeout: 200ms } }", backend));
        List<HttpResponse<String>> rs = burst("/slow/1500", 2);
        long timeouts = rs.stream().filter(r -> r.statusCode() == 503
                && r.body().contains("upstream queue timeout")).count();
        long ok = rs.stream().filter(r -> r.statusCode() == 200).count();
        assertEquals(1, ok);
        assertEquals(1, timeouts);
    }
}
