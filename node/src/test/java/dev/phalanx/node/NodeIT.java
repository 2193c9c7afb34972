package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawHttp;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Node-level behaviour: config reloads and rejections, admin API, metrics, PROXY protocol. */
class NodeIT {
    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
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

    private String admin(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path))
                .build(), BodyHandlers.ofString()).body();
    }

    private String backendOf(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(node.url(path))).build(), BodyHandlers.ofString())
                .headers().firstValue("x-backend").orElse("none");
    }

    @Test
    void routesFileChangesApplyAndABadFileKeepsTheConfigInForce() throws Exception {
        a = new TestBackend("a").start();
        b = new TestBackend("b").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, a));
        assertEquals("a", backendOf("/x"));
        assertEquals("ok", admin("/healthz"));

        node.writeRoutes(NodeHarness.simpleRoutes(null, null, b));
        String seen = "a";
        for (int i = 0; i < 40 && !seen.equals("b"); i++) {
            Thread.sleep(50);
            seen = backendOf("/x");
        }
        assertEquals("b", seen, "the change is served within 2 s");

        // a pool with a bad address: not applied, the last good version stays, the error is reported
        node.writeRoutes(NodeHarness.simpleRoutes(null, null, b).replace(b.address(), "not an address"));
        JsonNode config = null;
        for (int i = 0; i < 40; i++) {
            Thread.sleep(50);
            config = json.readTree(admin("/config"));
            if (config.get("errors").size() > 0) {
                break;
            }
        }
        assertTrue(config.get("errors").size() > 0, config.toString());
        assertTrue(config.get("errors").toString().contains("pools[p].endpoints[0]"), config.toString());
        assertEquals("file", config.get("source").asText());
        assertEquals("b", backendOf("/x"), "the last good pool stays in force");
        assertTrue(admin("/metrics").matches("(?s).*phalanx_config_errors [1-9].*"), "phalanx_config_errors counts it");
    }

    @Test
    void metricsCountRequestsByRouteAndCode() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, a));
        for (int i = 0; i < 7; i++) {
            backendOf("/x");
        }
        backendOf("/status/503");
        // an exchange is counted when its last byte was written, which may be just after the client read it
        String metrics = admin("/metrics");
        for (int i = 0; i < 50 && !metrics.contains("phalanx_request_duration_seconds_count{route=\"all\"} 8"); i++) {
            Thread.sleep(100);
            metrics = admin("/metrics");
        }
        assertTrue(metrics.contains("phalanx_requests_total{code=\"200\",route=\"all\"} 7.0"), metrics);
        assertTrue(metrics.contains("phalanx_requests_total{code=\"503\",route=\"all\"} 1.0"), metrics);
        assertTrue(metrics.contains("phalanx_request_duration_seconds_count{route=\"all\"} 8"), metrics);
        assertTrue(metrics.contains("phalanx_endpoint_up{endpoint=\"" + a.address() + "\",pool=\"p\"} 1.0"), metrics);
        assertTrue(metrics.contains("phalanx_upstream_connections{pool=\"p\"}"), metrics);
        assertTrue(metrics.matches("(?s).*phalanx_config_revision [1-9].*"), metrics);
    }

    @Test
    void proxyProtocolFromATrustedPeerGivesTheClientAddress() throws Exception {
        a = new TestBackend("a").start();
        node = NodeHarness.startWithListener(NodeHarness.simpleRoutes(null, null, a),
                "{ name: web, bind: \"127.0.0.1:0\", proxyProtocol: true }");
        String v1 = RawHttp.exchange(node.port(),
                "PROXY TCP4 198.51.100.7 10.0.0.1 40000 80\r\nGET /v1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2000);
        assertEquals(List.of(200), RawHttp.statuses(v1), v1);
        byte[] v2 = proxyV2(new byte[] {(byte) 203, 0, 113, 5}, new byte[] {10, 0, 0, 1}, 40001, 80,
                "GET /v2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String r2 = RawHttp.exchange(node.port(), v2, 2000);
        assertEquals(List.of(200), RawHttp.statuses(r2), r2);
        assertEquals("198.51.100.7", a.requests().get(0).headers().get("x-real-ip"));
        assertEquals("198.51.100.7", a.requests().get(0).headers().get("x-forwarded-for"));
        assertEquals("203.0.113.5", a.requests().get(1).headers().get("x-real-ip"));
    }

    /** A PROXY protocol v2 header (PROXY command, TCP over IPv4) followed by the request bytes. */
    private static byte[] proxyV2(byte[] src, byte[] dst, int srcPort, int dstPort, String request) {
        byte[] sig = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
        byte[] req = request.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(16 + 12 + req.length);
        buf.put(sig).put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        buf.put(src).put(dst).putShort((short) srcPort).putShort((short) dstPort);
        buf.put(req);
        return buf.array();
    }
}
