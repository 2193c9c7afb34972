package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawH2Client;
import dev.phalanx.node.testsupport.RawH2Client.Frame;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The slow-client deadlines over HTTP/2 (h2c, raw frames; {@code requestHeadTimeout: 1s},
 * {@code requestBodyMinRate: 1000} over 1 s): a header block left open, or a frame cut off halfway, ends the
 * connection; a stream whose body trickles gets 408 and is reset while the connection serves other streams.
 */
class Http2SlowClientIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int TYPE_HEADERS = 0x1;

    private TestBackend backend;
    private NodeHarness node;
    private RawH2Client client;

    @BeforeEach
    void start() {
        backend = new TestBackend("b1").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend),
                "limits: { requestHeadTimeout: 1s, requestBodyMinRate: 1000, requestBodyRateWindow: 1s }\n",
                "{ name: web, bind: \"127.0.0.1:0\", h2c: true }");
        client = new RawH2Client(node.port());
    }

    @AfterEach
    void stop() {
        client.close();
        node.close();
        backend.close();
    }

    private double counter(String name, String reason) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + node.adminAddress().getPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile(name + "\\{reason=\"" + reason + "\",?\\} (\\S+)").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The node's GOAWAY (NO_ERROR: a deadline, not a protocol error) or, if it came unread, the close. */
    private Frame awaitEnd() {
        Frame end = client.await(f -> f.type().equals("GOAWAY") || f.type().equals("CLOSED"), WAIT);
        assertTrue(end.type().equals("CLOSED") || end.code() == 0, end.toString());
        return end;
    }

    /**
     * Connects and lets the server's SETTINGS arrive and be acknowledged first: an ACK sent by the client's event loop
     * in the middle of a header block would be a protocol error of its own.
     */
    private void connect() throws InterruptedException {
        client.connect();
        Thread.sleep(300);
    }

    @Test
    void aHeaderBlockLeftOpenEndsTheConnection() throws Exception {
        connect();
        client.rawFrame(TYPE_HEADERS, 0, 1, new byte[] {(byte) 0x82}); // :method GET, no END_HEADERS, then nothing
        Frame end = awaitEnd();
        client.await(f -> f.type().equals("CLOSED"), WAIT);
        assertEquals(0, backend.requestCount(), end.toString());
        assertEquals(1.0, counter("phalanx_downstream_closed_total", "request-head-timeout"));
    }

    @Test
    void aFrameCutOffHalfwayEndsTheConnection() throws Exception {
        connect();
        client.rawBytes(new byte[] {0, 0, 20, 0x6, 0}); // the first 5 bytes of a PING frame's header
        awaitEnd();
        client.await(f -> f.type().equals("CLOSED"), WAIT);
        assertEquals(1.0, counter("phalanx_downstream_closed_total", "request-head-timeout"));
    }

    @Test
    void aStreamWhoseBodyTricklesGets408AndTheConnectionLivesOn() throws Exception {
        client.connect();
        client.headers(1, client.request("POST", "/upload"), false);
        long giveUp = System.nanoTime() + WAIT.toNanos();
        while (!client.received(f -> f.streamId() == 1 && f.type().equals("HEADERS"))
                && System.nanoTime() < giveUp) {
            client.data(1, new byte[] {'x'}, false).awaitUninterruptibly(1000);
            Thread.sleep(100); // 10 bytes a second, the minimum is 1000
        }
        Frame answer = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT);
        assertEquals("408", answer.status(), answer.toString());
        client.await(f -> f.streamId() == 1 && f.type().equals("RST_STREAM"), WAIT);
        client.headers(3, client.request("GET", "/after"), true);
        assertEquals("200", client.await(f -> f.streamId() == 3 && f.type().equals("HEADERS"), WAIT).status());
        assertTrue(client.isOpen());
        assertEquals(1.0, counter("phalanx_downstream_streams_reset_total", "request-body-rate"));
    }
}
