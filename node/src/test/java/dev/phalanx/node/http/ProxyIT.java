package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawHttp;
import dev.phalanx.node.testsupport.TestBackend;
import io.netty.handler.codec.http.HttpRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node as a reverse proxy, against real backends on loopback. */
class ProxyIT {
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private TestBackend a;
    private TestBackend b;
    private NodeHarness node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(java.net.http.HttpRequest.newBuilder(URI.create(node.url(path)))
                .timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString());
    }

    @Test
    void forwardsWithForwardingHeadersAndRouteHeaderEdits() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("""
                requestHeaders: { set: { x-env: test }, remove: [x-debug] }
                responseHeaders: { remove: [server] }
                """, null, a));
        HttpResponse<String> r = client.send(java.net.http.HttpRequest.newBuilder(URI.create(node.url("/hello?x=1")))
                .header("x-debug", "1").header("X-Forwarded-For", "203.0.113.9").build(), BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"path\": \"/hello?x=1\""), r.body());
        assertEquals("a", r.headers().firstValue("x-backend").orElse(null));
        assertTrue(r.headers().firstValue("server").isEmpty(), "route removes the server header");
        HttpRequest seen = a.requests().get(0);
        // 127.0.0.1 is a trusted proxy by default: the peer is appended to the incoming chain
        assertEquals("203.0.113.9, 127.0.0.1", seen.headers().get("x-forwarded-for"));
        assertEquals("http", seen.headers().get("x-forwarded-proto"));
        assertEquals("test", seen.headers().get("x-env"));
        assertNull(seen.headers().get("x-debug"));
        assertNotNull(seen.headers().get("x-request-id"));
        assertEquals("127.0.0.1:" + node.port(), seen.headers().get("host"));
    }

    @Test
    void reusesUpstreamConnections() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, a));
        for (int i = 0; i < 50; i++) {
            assertEquals(200, get("/r" + i).statusCode());
        }
        assertEquals(50, a.requestCount());
        assertTrue(a.connectionCount() <= 2, "keep-alive pool per event loop, got " + a.connectionCount());
    }

    @Test
    void noRouteIs404WithJsonBody() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start("""
                routes:
                  - { id: api, match: { hosts: [api.example.com] }, pool: p }
                pools:
                  - { id: p, endpoints: [ { address: "%s" } ] }
                """.formatted(a.address()));
        HttpResponse<String> r = get("/");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().startsWith("{\"status\": 404, \"error\": \"no route\", \"requestId\": \""), r.body());
        assertEquals(0, a.requestCount());
    }

    @Test
    void connectFailureIsRetriedOnAnotherEndpointThen502WhenAllFail() throws Exception {
        a = new TestBackend("a").start();
        b = new TestBackend("b").start();
        String deadAddress = b.address();
        b.close();
        b = null;
        node = NodeHarness.start("""
                routes:
                  - { id: all, match: { pathPrefix: / }, pool: p, retries: { attempts: 1, on: [connect-failure] } }
                  - { id: dead, match: { pathPrefix: /dead }, pool: dead, retries: { attempts: 1, on: [connect-failure] } }
                pools:
                  - { id: p, endpoints: [ { address: "%s" }, { address: "%s" } ] }
                  - { id: dead, endpoints: [ { address: "%s" } ] }
                """.formatted(deadAddress, a.address(), deadAddress));
        for (int i = 0; i < 6; i++) {
            assertEquals(200, get("/x").statusCode(), "round robin hits the dead endpoint, the retry goes to a");
        }
        HttpResponse<String> r = get("/dead");
        assertEquals(502, r.statusCode());
        assertTrue(r.body().contains("\"status\": 502"), r.body());
    }

    @Test
    void responseTimeoutIs504AndNonIdempotentIsNotRetried() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(
                "timeouts: { connect: 1s, response: 300ms, idle: 5s }\nretries: { attempts: 2, on: [timeout, \"503\"] }",
                null, a));
        long t0 = System.nanoTime();
        assertEquals(504, get("/hang").statusCode());
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
        assertEquals(3, a.requests().stream().filter(r -> r.uri().equals("/hang")).count(), "GET retried twice");
        HttpResponse<String> post = client.send(java.net.http.HttpRequest.newBuilder(URI.create(node.url("/status/503")))
                .POST(BodyPublishers.ofString("x")).build(), BodyHandlers.ofString());
        assertEquals(503, post.statusCode());
        assertEquals(1, a.requests().stream().filter(r -> r.uri().equals("/status/503")).count(), "POST not retried");
    }

    @Test
    void stripPrefixAndChunkedUploadAndPipelining() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start("""
                routes:
                  - { id: api, match: { pathPrefix: /api/ }, stripPrefix: /api, pool: p }
                pools:
                  - { id: p, endpoints: [ { address: "%s" } ] }
                """.formatted(a.address()));
        String out = RawHttp.exchange(node.port(),
                "POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                        + "GET /api/one HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /api/two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
        assertEquals(List.of(200, 200, 200), RawHttp.statuses(out), out);
        int one = out.indexOf("\"path\": \"/one\"");
        int two = out.indexOf("\"path\": \"/two\"");
        assertTrue(out.contains("\"path\": \"/upload\", \"bodyBytes\": 11"), out);
        assertTrue(one > 0 && two > one, "pipelined responses in order: " + out);
    }

    @Test
    void bodyLimitsGive413() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("maxBodyBytes: 10", null, a));
        String big = RawHttp.exchange(node.port(),
                "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world", 2000);
        assertEquals(List.of(413), RawHttp.statuses(big), big);
        String chunked = RawHttp.exchange(node.port(),
                "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n", 2000);
        assertEquals(List.of(413), RawHttp.statuses(chunked), chunked);
        String fits = RawHttp.exchange(node.port(),
                "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhelloworld", 2000);
        assertEquals(List.of(200), RawHttp.statuses(fits), fits);
    }

    @Test
    void noHealthyEndpointIs503() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null,
                "healthCheck: { path: /status/500, interval: 100ms, timeout: 100ms, rise: 1, fall: 1 }", a));
        int status = 0;
        for (int i = 0; i < 50 && status != 503; i++) {
            Thread.sleep(50);
            status = get("/x").statusCode();
        }
        assertEquals(503, status, "the only endpoint fails its probes");
    }

    @Test
    void http10ClientGetsCloseDelimitedOrLengthFramedResponse() {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, a));
        String out = RawHttp.exchange(node.port(), "GET /bytes/1000 HTTP/1.0\r\nHost: x\r\n\r\n", 3000);
        assertEquals(List.of(200), RawHttp.statuses(out), out);
        assertFalse(out.toLowerCase().contains("transfer-encoding: chunked"), out);
        assertTrue(out.endsWith("x".repeat(1000)) || out.contains("x".repeat(1000)), "whole body: " + out.length());
    }

    @Test
    void http10RequestWithoutHostGoesUpWithTheEndpointAsHost() {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, a));
        String out = RawHttp.exchange(node.port(), "GET /plain HTTP/1.0\r\n\r\n", 3000);
        assertEquals(List.of(200), RawHttp.statuses(out), out);
        assertEquals(a.address(), a.requests().get(0).headers().get("host"), "HTTP/1.1 upstream needs a Host");
        assertEquals(1, a.requests().get(0).headers().getAll("host").size());
    }
}
