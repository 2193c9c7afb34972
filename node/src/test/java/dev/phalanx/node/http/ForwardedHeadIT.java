package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawHttp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the backend sees of a request head, byte for byte: Content-Length in canonical form, and
 * {@code Expect: 100-continue} answered by the node itself once routing, the body limit and the rate limit let the
 * request through (so a refused request never makes its client send the body), and not forwarded.
 */
class ForwardedHeadIT {
    private RawBackend backend;
    private NodeHarness node;

    @BeforeEach
    void start() {
        backend = new RawBackend(head -> head.startsWith("POST /early-100")
                ? "HTTP/1.1 100 Continue\r\n\r\n" + RawBackend.OK : RawBackend.OK);
        node = NodeHarness.start("""
                routes:
                  - { id: all, match: { hosts: [x], pathPrefix: / }, pool: p, maxBodyBytes: 100 }
                  - { id: limited, match: { hosts: [x], pathPrefix: /limited }, pool: p,
                      rateLimit: { key: route, limit: 1, window: 1h } }
                pools:
                  - { id: p, endpoints: [ "127.0.0.1:%d" ] }
                """.formatted(backend.port()));
    }

    @AfterEach
    void stop() {
        node.close();
        backend.close();
    }

    @Test
    void contentLengthGoesUpWithoutLeadingZeros() {
        String out = RawHttp.exchange(node.port(), "POST /cl HTTP/1.1\r\nHost: x\r\nContent-Length: 00005\r\n\r\nhello",
                1000);
        assertEquals(List.of(200), RawHttp.statuses(out), out);
        RawBackend.Received r = backend.received().get(0);
        assertEquals("5", r.field("content-length"), r.head());
        assertEquals("hello", r.body());
    }

    @Test
    void theNodeAnswers100ContinueItselfAndDoesNotForwardExpect() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", H2cUpgradeIT.readHead(in), "100 before the body was sent");
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(H2cUpgradeIT.readHead(in).startsWith("HTTP/1.1 200"));
        }
        RawBackend.Received r = backend.received().get(0);
        assertFalse(r.hasField("expect"), r.head());
        assertEquals("hello", r.body());
    }

    @Test
    void aSecond100FromTheBackendIsNotRelayed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("POST /early-100 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", H2cUpgradeIT.readHead(in));
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String next = H2cUpgradeIT.readHead(in);
            assertTrue(next.startsWith("HTTP/1.1 200"), "the backend's own 100 was dropped: " + next);
        }
    }

    /** Refused before the body: the answer comes without a 100, and the connection closes (no body follows). */
    private void assertRefusedWithout100(String head, int status) throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer;
            try {
                answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the node did not answer and close", e);
            }
            assertEquals(List.of(status), RawHttp.statuses(answer), answer);
            assertFalse(answer.contains("100 Continue"), answer);
        }
    }

    @Test
    void aRequestRefusedByRoutingBodyLimitOrRateLimitGetsNo100() throws Exception {
        assertRefusedWithout100("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n",
                413);
        assertRefusedWithout100("POST / HTTP/1.1\r\nHost: nowhere.example\r\nExpect: 100-continue\r\n"
                + "Content-Length: 5\r\n\r\n", 404);
        String first = RawHttp.exchange(node.port(), "GET /limited HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
        assertEquals(List.of(200), RawHttp.statuses(first), first);
        assertRefusedWithout100("POST /limited HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
                429);
        assertEquals(1, backend.received().size(), "only the admitted GET went upstream");
    }
}
