package dev.phalanx.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig.AdminConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin server on 127.0.0.1 port 0 with a scripted model, called over real HTTP. */
class AdminServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final TestModel model = new TestModel();
    private AdminServer server;

    /** A model whose answers the test sets, counting drains. */
    static final class TestModel implements AdminModel {
        volatile boolean serving = true;
        volatile boolean draining;
        volatile ReadyState ready = ReadyState.READY;
        volatile String config = "{\"source\":\"file\",\"revision\":3,\"routes\":[],\"pools\":[],\"errors\":[]}";
        volatile RuntimeException clusterFailure;
        volatile boolean drainFlipsState = true;
        volatile String phase;
        final AtomicInteger drains = new AtomicInteger();
        final List<VrrpReport> vrrp = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean vrrpFull;

        @Override
        public boolean serving() {
            return serving;
        }

        @Override
        public boolean draining() {
            return draining;
        }

        @Override
        public String drainPhase() {
            return phase;
        }

        @Override
        public boolean reportVrrp(VrrpReport report) {
            if (vrrpFull) {
                return false;
            }
            vrrp.add(report);
            return true;
        }

        @Override
        public ReadyState ready() {
            return ready;
        }

        @Override
        public String configJson() {
            return config;
        }

        @Override
        public String clusterJson() {
            if (clusterFailure != null) {
                throw clusterFailure;
            }
            return "{\"node\":\"node-1\",\"members\":[\"node-1\"]}";
        }

        @Override
        public void startDrain() {
            drains.incrementAndGet();
            if (drainFlipsState) {
                draining = true;
                serving = false;
            }
        }

        @Override
        public String metrics() {
            return "# TYPE phalanx_grid_members gauge\nphalanx_grid_members 1.0\n";
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(String token, Predicate<InetAddress> trusted) {
        server = new AdminServer(new AdminConfig(new HostPort("127.0.0.1", 0), token), model, trusted);
        server.start();
    }

    private void start() {
        server = new AdminServer(new AdminConfig(new HostPort("127.0.0.1", 0), ""), model);
        server.start();
    }

    private HttpResponse<String> call(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path))
                .timeout(Duration.ofSeconds(5))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    @Test
    void healthzIsOkWhileServingAndSaysWhyNot() throws Exception {
        start();
        HttpResponse<String> ok = call("GET", "/healthz");
        assertEquals(200, ok.statusCode());
        assertEquals("ok", ok.body());
        assertEquals("text/plain; charset=utf-8", header(ok, "content-type"));
        assertEquals("no-store", header(ok, "cache-control"));

        model.serving = false;
        HttpResponse<String> starting = call("GET", "/healthz");
        assertEquals(503, starting.statusCode());
        assertEquals("starting", starting.body());

        model.draining = true;
        HttpResponse<String> draining = call("GET", "/healthz?probe=keepalived");
        assertEquals(503, draining.statusCode());
        assertEquals("draining", draining.body());
    }

    @Test
    void healthzNamesTheDrainPhaseAndStays200WhileClosing() throws Exception {
        start();
        model.draining = true;
        model.phase = "closing"; // the node still holds its VIPs: serving stays true
        HttpResponse<String> closing = call("GET", "/healthz");
        assertEquals(200, closing.statusCode());
        assertEquals("draining: closing", closing.body());

        model.serving = false;
        model.phase = "releasing";
        HttpResponse<String> releasing = call("GET", "/healthz");
        assertEquals(503, releasing.statusCode());
        assertEquals("draining: releasing", releasing.body());
    }

    @Test
    void vrrpReportsAreCheckedAndKept() throws Exception {
        start();
        HttpResponse<String> ok = post("/vrrp",
                "{\"instance\":\"VI_2\",\"state\":\"MASTER\",\"vips\":[\"172.31.0.102\"],\"priority\":150}");
        assertEquals(204, ok.statusCode());
        assertEquals("", ok.body());
        assertEquals(null, header(ok, "content-length"), "a 204 has no Content-Length");
        assertEquals(List.of(new VrrpReport("VI_2", VrrpReport.State.MASTER, List.of("172.31.0.102"), 150)),
                model.vrrp);

        HttpResponse<String> bad = post("/vrrp", "{\"instance\":\"VI_2\",\"state\":\"PRIMARY\"}");
        assertEquals(400, bad.statusCode());
        assertEquals("application/json", header(bad, "content-type"));
        assertEquals("state: \"PRIMARY\" is not one of MASTER, BACKUP, FAULT, STOP",
                JSON.readTree(bad.body()).get("error").asText());
        assertEquals(1, model.vrrp.size());

        HttpResponse<String> quotes = post("/vrrp", "{\"instance\":\"a\\\"b\",\"state\":\"BACKUP\"}");
        assertEquals(400, quotes.statusCode());
        assertTrue(JSON.readTree(quotes.body()).get("error").asText().startsWith("instance: \"a\\\"b\" is not"),
                "the error is valid JSON even when it quotes the caller: " + quotes.body());

        model.vrrpFull = true;
        HttpResponse<String> full = post("/vrrp", "{\"instance\":\"VI_9\",\"state\":\"BACKUP\"}");
        assertEquals(400, full.statusCode());
        assertTrue(JSON.readTree(full.body()).get("error").asText().startsWith("instance: \"VI_9\" would be one more"),
                full.body());

        HttpResponse<String> get = call("GET", "/vrrp");
        assertEquals(405, get.statusCode());
        assertEquals("POST", header(get, "allow"));
    }

    @Test
    void vrrpNeedsTheTokenLikeEveryCall() throws Exception {
        start("s3cret-token", peer -> false);
        String body = "{\"instance\":\"VI_1\",\"state\":\"BACKUP\"}";
        assertEquals(401, post("/vrrp", body).statusCode());
        assertTrue(model.vrrp.isEmpty());
        assertEquals(204, post("/vrrp", body, "Authorization", "Bearer s3cret-token").statusCode());
        assertEquals(1, model.vrrp.size());
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path))
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyzListsTheReasonsOnePerLine() throws Exception {
        start();
        HttpResponse<String> ready = call("GET", "/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("ready", ready.body());

        model.ready = ReadyState.notReady("config not loaded", "listener web not bound", "grid not joined");
        HttpResponse<String> notReady = call("GET", "/readyz");
        assertEquals(503, notReady.statusCode());
        assertEquals(List.of("config not loaded", "listener web not bound", "grid not joined"),
                notReady.body().lines().toList());
    }

    @Test
    void metricsConfigAndClusterAnswerWithTheirContentTypes() throws Exception {
        start();
        HttpResponse<String> metrics = call("GET", "/metrics");
        assertEquals(200, metrics.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", header(metrics, "content-type"));
        assertEquals(model.metrics(), metrics.body());

        HttpResponse<String> config = call("GET", "/config");
        assertEquals(200, config.statusCode());
        assertEquals("application/json", header(config, "content-type"));
        assertEquals(3, JSON.readTree(config.body()).get("revision").asInt());

        HttpResponse<String> cluster = call("GET", "/cluster");
        assertEquals(200, cluster.statusCode());
        assertEquals("node-1", JSON.readTree(cluster.body()).get("node").asText());
    }

    @Test
    void headAnswersGetHeadersWithoutABody() throws Exception {
        start();
        String raw = rawExchange("HEAD /healthz HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n");
        assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n"), raw);
        assertTrue(raw.toLowerCase().contains("content-length: 2\r\n"), raw);
        assertTrue(raw.endsWith("\r\n\r\n"), "a HEAD answer has no body: " + raw);
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        start();
        HttpResponse<String> delete = call("DELETE", "/healthz");
        assertEquals(405, delete.statusCode());
        assertEquals("GET, HEAD", header(delete, "allow"));
        assertEquals(405, JSON.readTree(delete.body()).get("status").asInt());

        HttpResponse<String> getDrain = call("GET", "/drain");
        assertEquals(405, getDrain.statusCode());
        assertEquals("POST", header(getDrain, "allow"));
        assertEquals(0, model.drains.get());
    }

    @Test
    void unknownPathIs404Json() throws Exception {
        start();
        HttpResponse<String> r = call("GET", "/nope");
        assertEquals(404, r.statusCode());
        assertEquals("application/json", header(r, "content-type"));
        JsonNode body = JSON.readTree(r.body());
        assertEquals(404, body.get("status").asInt());
        assertTrue(body.get("error").asText().contains("/healthz"));
        assertEquals(404, call("GET", "/healthz/extra").statusCode());
    }

    @Test
    void drainStartsOnceHoweverOftenItIsPosted() throws Exception {
        start();
        HttpResponse<String> first = call("POST", "/drain");
        assertEquals(202, first.statusCode());
        assertEquals(202, call("POST", "/drain").statusCode());
        assertEquals(1, model.drains.get());
        HttpResponse<String> health = call("GET", "/healthz");
        assertEquals(503, health.statusCode());
        assertEquals("draining", health.body());
    }

    @Test
    void drainStartsOnceEvenWhenTheModelFlipsItsStateLater() throws Exception {
        start();
        model.drainFlipsState = false; // a node whose drain sets its flags asynchronously
        assertEquals(202, call("POST", "/drain").statusCode());
        assertEquals(202, call("POST", "/drain").statusCode());
        assertEquals(1, model.drains.get());
    }

    @Test
    void drainAlreadyStartedElsewhereIsNotStartedAgain() throws Exception {
        start();
        model.draining = true;
        assertEquals(202, call("POST", "/drain").statusCode());
        assertEquals(0, model.drains.get());
    }

    @Test
    void aFailingModelCallIs500AndTheServerGoesOn() throws Exception {
        start();
        model.clusterFailure = new IllegalStateException("grid not started");
        HttpResponse<String> r = call("GET", "/cluster");
        assertEquals(500, r.statusCode());
        assertEquals(500, JSON.readTree(r.body()).get("status").asInt());
        assertEquals(200, call("GET", "/healthz").statusCode());
    }

    @Test
    void aLargeBodyIs413() throws Exception {
        start();
        HttpRequest big = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.localAddress().getPort() + "/drain"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(AdminServer.MAX_BODY_BYTES + 1)))
                .timeout(Duration.ofSeconds(5)).build();
        assertEquals(413, client.send(big, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(0, model.drains.get());
    }

    @Test
    void withATokenUntrustedPeersMustPresentIt() throws Exception {
        start("s3cret-token", peer -> false);
        HttpResponse<String> none = call("GET", "/healthz");
        assertEquals(401, none.statusCode());
        assertTrue(header(none, "www-authenticate").startsWith("Bearer"), header(none, "www-authenticate"));

        assertEquals(401, call("GET", "/healthz", "Authorization", "Bearer wrong").statusCode());
        assertEquals(401, call("GET", "/healthz", "Authorization", "Bearer s3cret-token-longer").statusCode());
        assertEquals(401, call("GET", "/healthz", "Authorization", "Basic czNjcmV0LXRva2Vu").statusCode());
        assertEquals(401, call("GET", "/nope").statusCode(), "the token is checked before the path");
        assertEquals(401, call("POST", "/drain", "Authorization", "Bearer s3cret").statusCode());
        assertEquals(0, model.drains.get());

        HttpResponse<String> right = call("GET", "/healthz", "Authorization", "Bearer s3cret-token");
        assertEquals(200, right.statusCode());
        assertEquals("ok", right.body());
        assertEquals(200, call("GET", "/metrics", "Authorization", "bearer  s3cret-token").statusCode());
        assertEquals(202, call("POST", "/drain", "Authorization", "Bearer s3cret-token").statusCode());
        assertEquals(1, model.drains.get());
    }

    @Test
    void loopbackPeersNeedNoTokenByDefault() throws Exception {
        server = new AdminServer(new AdminConfig(new HostPort("127.0.0.1", 0), "s3cret-token"), model);
        server.start();
        assertEquals(200, call("GET", "/healthz").statusCode());
    }

    @Test
    void aTakenPortIsAClearError() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            AdminServer second = new AdminServer(new AdminConfig(new HostPort("127.0.0.1", port), ""), model);
            IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
            assertTrue(e.getMessage().startsWith("admin.bind 127.0.0.1:" + port + ": cannot listen"), e.getMessage());
            second.close();
        }
    }

    @Test
    void aNonLoopbackBindWithoutTokenIsRefused() {
        AdminServer open = new AdminServer(new AdminConfig(new HostPort("0.0.0.0", 0), ""), model);
        IllegalStateException e = assertThrows(IllegalStateException.class, open::start);
        assertTrue(e.getMessage().contains("admin.token"), e.getMessage());
        open.close();
    }

    /** Sends raw bytes and reads until the server closes (the request asks it to). */
    private String rawExchange(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.localAddress().getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.US_ASCII);
        }
    }
}
