package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import dev.phalanx.node.testsupport.Tools;
import io.netty.handler.codec.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP/2 with prior knowledge (h2c) through a real node to a real HTTP/1.1 backend, with curl and h2load. */
class Http2ProxyIT {
    private static final String H2C_LISTENER = "{ name: web, bind: \"127.0.0.1:0\", h2c: true }";

    private TestBackend backend;
    private NodeHarness node;

    @BeforeEach
    void start() {
        backend = new TestBackend("b1").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s }", null, backend),
                "limits: { maxBodyBytes: 40000000 }\n", H2C_LISTENER);
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void curlWithPriorKnowledgeIsProxiedWithForwardingHeaders() {
        Tools.Result r = Tools.curl("--http2-prior-knowledge", "-D", "-", "-H", "x-request-id: abc-123",
                node.url("/hello?x=1"));
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("HTTP/2 200"), r.stdout());
        assertTrue(r.stdout().contains("\"path\": \"/hello?x=1\""), r.stdout());
        HttpRequest seen = backend.requests().get(0);
        assertNotNull(seen);
        assertEquals("127.0.0.1:" + node.port(), seen.headers().get("host"));
        assertEquals("127.0.0.1", seen.headers().get("x-forwarded-for"));
        assertEquals("http", seen.headers().get("x-forwarded-proto"));
        assertEquals("abc-123", seen.headers().get("x-request-id"));
        for (String name : seen.headers().names()) {
            assertFalse(name.toLowerCase().startsWith("x-http2-"), "internal header went upstream: " + name);
        }
    }

    @Test
    void http11StillWorksOnAnH2cListener() {
        Tools.Result r = Tools.curl("--http1.1", "-D", "-", node.url("/one"));
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().startsWith("HTTP/1.1 200"), r.stdout());
    }

    @Test
    void errorsTheProxyMakesComeAsHttp2Responses() {
        node.writeRoutes("routes:\n  - id: only\n    match: { pathPrefix: /only/ }\n    pool: p\npools:\n  - id: p\n"
                + "    endpoints:\n      - { address: \"" + backend.address() + "\" }\n");
        Tools.Result r = null;
        for (int i = 0; i < 50; i++) { // the node re-reads the routes file
            r = Tools.curl("--http2-prior-knowledge", "-D", "-", node.url("/elsewhere"));
            if (r.stdout().startsWith("HTTP/2 404")) {
                break;
            }
            sleep(100);
        }
        assertTrue(r.stdout().startsWith("HTTP/2 404"), r.stdout());
        assertTrue(r.stdout().contains("\"status\": 404"), r.stdout());
    }

    @Test
    void bigBodiesUpAndDown() throws Exception {
        Path file = Files.createTempFile("h2-upload", ".bin");
        try {
            byte[] block = new byte[1 << 20];
            new java.util.Random(1).nextBytes(block);
            try (var out = Files.newOutputStream(file)) {
                for (int i = 0; i < 32; i++) {
                    out.write(block);
                }
            }
            Tools.Result up = Tools.curl("--http2-prior-knowledge", "--data-binary", "@" + file, node.url("/upload"));
            assertEquals(0, up.exitCode(), up.stderr());
            assertTrue(up.stdout().contains("\"bodyBytes\": " + (32L << 20)), up.stdout());

            long size = 100L << 20;
            Tools.Result down = Tools.curl("--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{http_version}",
                    node.url("/bytes/" + size));
            assertEquals(0, down.exitCode(), down.stderr());
            assertEquals("200 " + size + " 2", down.stdout());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * 413 as soon as the declared length is past the limit, then RST_STREAM NO_ERROR so that the client stops
     * sending (RFC 9113 §8.1). Seen with nghttp, which prints the frames (curl 7.88 reports such a reset as an error
     * and drops the response it already received).
     */
    @Test
    void bodyPastTheLimitIs413ThenResetWithNoError() throws Exception {
        Path file = Files.createTempFile("h2-upload", ".bin");
        try {
            Files.write(file, new byte[41_000_000]);
            Tools.Result r = Tools.run(60, "nghttp", "-nv", "-d", file.toString(), node.url("/upload"));
            String out = r.stdout();
            assertTrue(out.contains(":status: 413"), out);
            int data = out.indexOf("recv DATA frame <length=");
            int rst = out.indexOf("recv RST_STREAM frame");
            assertTrue(data > 0 && rst > data, "the JSON body, then the reset: " + out);
            assertTrue(out.substring(rst).contains("error_code=NO_ERROR"), out);
            assertTrue(out.contains("\"status\": 413") || out.contains("length=100, flags=0x01"), out);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void manyStreamsOnOneConnectionInParallel() {
        String[] args = new String[3 + 40];
        args[0] = "--http2-prior-knowledge";
        args[1] = "--parallel";
        args[2] = "--parallel-immediate";
        for (int i = 0; i < 40; i++) {
            args[3 + i] = node.url("/p" + i);
        }
        Tools.Result r = Tools.curl(args);
        assertEquals(0, r.exitCode(), r.stderr());
        for (int i = 0; i < 40; i++) {
            assertTrue(r.stdout().contains("\"path\": \"/p" + i + "\""), "response " + i + ": " + r.stdout());
        }
    }

    @Test
    void h2loadThousandsOfMultiplexedRequestsAll2xx() {
        Tools.Result r = Tools.run(120, "h2load", "-n", "5000", "-c", "4", "-m", "32", "-t", "1", node.url("/load"));
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("requests: 5000 total, 5000 started, 5000 done, 5000 succeeded"), r.stdout());
        assertTrue(r.stdout().contains("status codes: 5000 2xx"), r.stdout());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
