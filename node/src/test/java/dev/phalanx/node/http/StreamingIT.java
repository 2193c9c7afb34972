package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * 1 GiB each way through the proxy with a reader that stalls: memory held by Netty's allocator (the proxy's, the
 * backend's) stays bounded, because the proxy reads only as fast as the other side takes.
 */
class StreamingIT {
    private static final long GIB = 1L << 30;

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

    /** Reads one small keep-alive response: up to the end of its JSON body line. */
    private static String readResponse(InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.length() > 4 && sb.charAt(sb.length() - 1) == '\n' && sb.charAt(sb.length() - 2) == '}') {
                break;
            }
        }
        return sb.toString();
    }

    @Test
    void oneGibResponseToAStallingClient() throws Exception {
        backend = new TestBackend("big").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s }", null, backend));
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write(("GET /bytes/" + GIB + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            StreamingChecks.Sampled read = StreamingChecks.readWithStall(s.getInputStream(), backend);
            assertTrue(read.total() > GIB, "whole chunked body arrived: " + read.total());
            StreamingChecks.assertBounded(read.maxAllocatorBytes());
        }
    }

    @Test
    void oneGibUploadToASlowBackend() throws Exception {
        backend = new TestBackend("sink").start();
        backend.readPause(2);
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s, response: 60s }", null, backend),
                "limits: { maxBodyBytes: 2147483648 }\n");
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + GIB + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long maxSeen = StreamingChecks.writeToSlowBackend(out, GIB, backend);
            out.flush();
            s.setSoTimeout(30_000);
            String response;
            try {
                response = readResponse(s.getInputStream());
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("no response; the backend got " + backend.bodyBytesReceived() + " of " + GIB
                        + " body bytes", e);
            }
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.contains("\"bodyBytes\": " + GIB), response);
            assertEquals(GIB, backend.bodyBytesReceived());
            StreamingChecks.assertBounded(maxSeen);
        }
    }
}
