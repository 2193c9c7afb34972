package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawHttp;
import dev.phalanx.node.testsupport.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slowloris and slow bodies over raw HTTP/1.1 sockets, with short deadlines ({@code requestHeadTimeout: 1s},
 * {@code requestBodyMinRate: 1000} over 1 s windows): a head that trickles or stops gets 408 and the connection
 * closes, a connection that never sends a byte is closed without an answer, a body that trickles gets 408; each is
 * counted in {@code phalanx_downstream_closed_total}. The idle timeout (60 s here) would never have closed them: the
 * clients keep sending. Timings are not asserted beyond "closed long before the client gave up".
 */
class SlowClientIT {
    /** How long a client keeps trickling before the test gives up on the node closing it. */
    private static final long CLIENT_PATIENCE_MILLIS = 15_000;

    private TestBackend backend;
    private NodeHarness node;

    @BeforeEach
    void start() {
        backend = new TestBackend("b1").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend),
                "limits: { requestHeadTimeout: 1s, requestBodyMinRate: 1000, requestBodyRateWindow: 1s }\n");
    }

    @AfterEach
    void stop() {
        node.close();
        backend.close();
    }

    /** Sends {@code first}, then one byte of {@code drip} every {@code everyMillis} until the node closes. */
    private String trickle(String first, String drip, long everyMillis) throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(50);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            out.write(first.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long giveUp = System.nanoTime() + CLIENT_PATIENCE_MILLIS * 1_000_000;
            int next = 0;
            long nextAt = System.nanoTime();
            while (System.nanoTime() < giveUp) {
                if (drip != null && System.nanoTime() >= nextAt) {
                    try {
                        out.write(drip.charAt(next++ % drip.length()));
                        out.flush();
                    } catch (IOException closedByNode) {
                        // the node closed while we were still sending: read what it said
                    }
                    nextAt = System.nanoTime() + everyMillis * 1_000_000;
                }
                try {
                    int n = in.read();
                    if (n < 0) {
                        return got.toString(StandardCharsets.ISO_8859_1);
                    }
                    got.write(n);
                } catch (SocketTimeoutException nothingYet) {
                    // keep trickling
                } catch (IOException reset) {
                    return got.toString(StandardCharsets.ISO_8859_1);
                }
            }
            throw new AssertionError("the node kept the connection open for " + CLIENT_PATIENCE_MILLIS + " ms; got: "
                    + got.toString(StandardCharsets.ISO_8859_1));
        }
    }

    private double closedTotal(String reason) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + node.adminAddress().getPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("phalanx_downstream_closed_total\\{reason=\"" + reason + "\",?\\} (\\S+)")
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void aHeadDrippedOneByteAtATimeGets408AndTheConnectionCloses() throws Exception {
        String out = trickle("GET / HTTP/1.1\r\nHost: x\r\n", "X-Slow: aaaaaaaaaaaaaaaaaaaa\r\n", 200);
        assertEquals(List.of(408), RawHttp.statuses(out), out);
        assertEquals(0, backend.requestCount(), "the half-sent request never went upstream");
        assertEquals(1.0, closedTotal("request-head-timeout"));
    }

    @Test
    void halfARequestLineThenNothingGets408() throws Exception {
        String out = trickle("GET /wait-for-it", null, 0);
        assertEquals(List.of(408), RawHttp.statuses(out), out);
        assertTrue(out.contains("request head not received within 1s"), out);
        assertEquals(1.0, closedTotal("request-head-timeout"));
    }

    @Test
    void aConnectionThatSendsNothingIsClosedWithoutAnAnswer() throws Exception {
        String out = trickle("", null, 0);
        assertEquals("", out, "no 408 for a connection that never started a request");
        assertEquals(1.0, closedTotal("request-head-timeout"));
    }

    @Test
    void aBodyDrippedBelowTheMinimumRateGets408AndTheConnectionCloses() throws Exception {
        String out = trickle("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", "0123456789", 50);
        assertEquals(List.of(408), RawHttp.statuses(out), out);
        assertEquals(1.0, closedTotal("request-body-rate"));
    }

    @Test
    void completeRequestsOnAKeepAliveConnectionAreNotTouched() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 3; i++) {
                out.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String head = H2cUpgradeIT.readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
                assertTrue(m.find(), head);
                in.readNBytes(Integer.parseInt(m.group(1)));
                Thread.sleep(1500); // idle between requests, past the head deadline: the idle timeout's business
            }
        }
        assertEquals(0.0, closedTotal("request-head-timeout"));
    }
}
