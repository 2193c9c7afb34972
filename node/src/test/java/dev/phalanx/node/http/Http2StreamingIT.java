package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 512 MiB each way over HTTP/2 (curl with prior knowledge) with a side that stalls: the proxy's memory stays bounded
 * because flow control works end to end. Download: curl stops reading its pipe, its stream window runs out, the
 * stream turns unwritable and the proxy stops reading the upstream. Upload: the backend reads slowly, the upstream
 * turns unwritable, the stream stops being read, and no WINDOW_UPDATE goes to curl.
 */
class Http2StreamingIT {
    private static final long SIZE = 512L << 20;
    private static final String H2C_LISTENER = "{ name: web, bind: \"127.0.0.1:0\", h2c: true }";

    private TestBackend backend;
    private NodeHarness node;
    private Process curl;

    @AfterEach
    void stop() {
        if (curl != null) {
            curl.destroyForcibly();
        }
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void bigResponseToAStallingClient() throws Exception {
        backend = new TestBackend("big").start();
        node = NodeHarness.startWithListener(NodeHarness.simpleRoutes("timeouts: { idle: 30s }", null, backend),
                H2C_LISTENER);
        curl = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--max-time", "120",
                node.url("/bytes/" + SIZE)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        StreamingChecks.Sampled read = StreamingChecks.readWithStall(curl.getInputStream(), backend);
        assertTrue(curl.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, curl.exitValue());
        assertEquals(SIZE, read.total(), "whole body arrived");
        StreamingChecks.assertBounded(read.maxAllocatorBytes());
    }

    @Test
    void bigUploadToASlowBackend() throws Exception {
        backend = new TestBackend("sink").start();
        backend.readPause(2);
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s, response: 60s }", null, backend),
                "limits: { maxBodyBytes: 2147483648 }\n", H2C_LISTENER);
        // -T - streams stdin as the body (PUT, made a POST), with no Content-Length: DATA frames until END_STREAM
        curl = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--max-time", "180", "-T", "-",
                "-X", "POST", node.url("/upload")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long maxSeen;
        try (OutputStream out = curl.getOutputStream()) {
            maxSeen = StreamingChecks.writeToSlowBackend(out, SIZE, backend);
        }
        String response = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(60, TimeUnit.SECONDS));
        assertTrue(response.contains("\"bodyBytes\": " + SIZE), response);
        assertEquals(SIZE, backend.bodyBytesReceived());
        StreamingChecks.assertBounded(maxSeen);
    }
}
