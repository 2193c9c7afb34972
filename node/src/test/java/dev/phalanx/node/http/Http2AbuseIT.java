package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawH2Client;
import dev.phalanx.node.testsupport.RawH2Client.Frame;
import dev.phalanx.node.testsupport.TestBackend;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 abuse defences, each driven by raw frames on a plain connection to a real node (h2c): concurrent streams,
 * header list size, rapid reset (CVE-2023-44487), CONTINUATION floods, SETTINGS and PING floods, empty DATA frames.
 */
class Http2AbuseIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int TYPE_HEADERS = 0x1;
    private static final int TYPE_CONTINUATION = 0x9;

    private TestBackend backend;
    private NodeHarness node;
    private RawH2Client client;

    @BeforeEach
    void start() {
        backend = new TestBackend("b1").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s }", null, backend),
                "limits: { maxHeaderBytes: 4096 }\n", "{ name: web, bind: \"127.0.0.1:0\", h2c: true }");
        client = new RawH2Client(node.port());
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static boolean isGoAway(Frame f, Http2Error error) {
        return f.type().equals("GOAWAY") && f.code() == error.code();
    }

    @Test
    void aStreamPastMaxConcurrentStreamsIsRefused() {
        client.connect();
        int max = Http2Codecs.MAX_CONCURRENT_STREAMS;
        for (int i = 0; i <= max; i++) {
            client.headers(1 + 2 * i, client.request("GET", "/slow/1500"), true);
        }
        int extra = 1 + 2 * max;
        Frame refused = client.await(f -> f.streamId() == extra && !f.type().equals("DATA"), WAIT);
        assertEquals("RST_STREAM", refused.type(), refused.toString());
        assertEquals(Http2Error.REFUSED_STREAM.code(), refused.code());
        Frame first = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT);
        assertEquals("200", first.status(), "the streams within the limit are served");
    }

    @Test
    void headerListPastMaxHeaderBytesIs431AndTheConnectionLives() {
        client.connect();
        Http2Headers big = client.request("GET", "/big").add("x-big", "a".repeat(4500));
        client.headers(1, big, true);
        Frame answer = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT);
        assertEquals("431", answer.status(), answer.toString());
        client.headers(3, client.request("GET", "/after"), true);
        assertEquals("200", client.await(f -> f.streamId() == 3 && f.type().equals("HEADERS"), WAIT).status());
        assertEquals(1, backend.requestCount(), "the oversized request never went upstream");
    }

    @Test
    void aHeaderListFarPastTheLimitEndsTheConnection() {
        client.connect();
        client.headers(1, client.request("GET", "/huge").add("x-huge", "a".repeat(12000)), true);
        Frame goAway = client.awaitGoAway(WAIT);
        assertTrue(goAway.code() != Http2Error.NO_ERROR.code(), goAway.toString());
        assertEquals(0, backend.requestCount());
    }

    /**
     * An HPACK bomb: one 3.9 KB field put into the dynamic table, then referenced 1,000 times with one byte each. The
     * block is under 5 KB on the wire (within 1.25 x maxHeaderBytes, so no GOAWAY) but decodes to about 3.9 MB: the
     * decoder stops storing fields past the limit (memory stays bounded), the stream gets 431, and the connection
     * (whose HPACK state stayed in step) serves the next stream.
     */
    @Test
    void anHpackBombIs431OnItsStreamAndTheConnectionLives() {
        client.connect();
        java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        block.writeBytes(new byte[] {(byte) 0x82, (byte) 0x84, (byte) 0x86}); // :method GET, :path /, :scheme http
        block.writeBytes(authority());
        block.writeBytes(new byte[] {0x40, 6}); // literal with incremental indexing, new name of 6 bytes
        block.writeBytes("x-bomb".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        block.writeBytes(new byte[] {0x7F, (byte) 0xBD, 0x1D}); // value length 3900 (127 + 61 + 29 * 128)
        block.writeBytes("a".repeat(3900).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (int i = 0; i < 1000; i++) {
            block.write(0xBE); // indexed field 62: the x-bomb entry, 3,938 bytes of header list each time
        }
        assertTrue(block.size() < 5120, "under 1.25 x maxHeaderBytes on the wire: " + block.size());
        client.rawFrame(TYPE_HEADERS, 0x5, 1, block.toByteArray()); // END_STREAM | END_HEADERS
        Frame answer = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT);
        assertEquals("431", answer.status(), answer.toString());
        java.io.ByteArrayOutputStream next = new java.io.ByteArrayOutputStream();
        next.writeBytes(new byte[] {(byte) 0x82, (byte) 0x84, (byte) 0x86});
        next.writeBytes(authority());
        client.rawFrame(TYPE_HEADERS, 0x5, 3, next.toByteArray());
        assertEquals("200", client.await(f -> f.streamId() == 3 && f.type().equals("HEADERS"), WAIT).status());
        assertEquals(1, backend.requestCount(), "the bomb never went upstream");
        assertTrue(!client.receivedGoAway());
    }

    /** {@code :authority} as a literal without indexing (static name index 1), so no dynamic table entry. */
    private static byte[] authority() {
        byte[] value = "127.0.0.1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[2 + value.length];
        out[0] = 0x01;
        out[1] = (byte) value.length;
        System.arraycopy(value, 0, out, 2, value.length);
        return out;
    }

    /** CVE-2023-44487: open and cancel streams at once, over and over. */
    @Test
    void rapidResetEndsTheConnectionWithEnhanceYourCalm() {
        client.connect();
        int sent = 0;
        for (int i = 0; i < 2000 && !client.receivedGoAway(); i++) {
            int stream = 1 + 2 * i;
            client.headers(stream, client.request("GET", "/slow/1000"), true);
            client.rst(stream, Http2Error.CANCEL).awaitUninterruptibly(5000);
            sent++;
        }
        Frame end = client.await(f -> f.type().equals("GOAWAY") || f.type().equals("CLOSED"), WAIT);
        assertTrue(end.type().equals("CLOSED") || isGoAway(end, Http2Error.ENHANCE_YOUR_CALM), end.toString());
        assertTrue(sent < 2000, "stopped by the server, after " + sent + " resets");
    }

    /**
     * The server ended a flood: GOAWAY with an error code, or (when the client was still sending as the server
     * closed, and the kernel reset the connection with the GOAWAY unread) the connection closed before the flood
     * was over.
     */
    private void assertServerEndedTheFlood(int sent, int max) {
        Frame end = client.await(f -> f.type().equals("GOAWAY") || f.type().equals("CLOSED"), WAIT);
        assertTrue(end.type().equals("CLOSED") || end.code() != Http2Error.NO_ERROR.code(), end.toString());
        assertTrue(sent < max, "the server ended the flood after " + sent + " of " + max + " frames");
    }

    /** Sends frames one by one until the server answers with GOAWAY or closes; returns how many went. */
    private int floodUntilStopped(int max, java.util.function.IntFunction<ChannelFuture> frame) {
        int sent = 0;
        while (sent < max && !client.receivedGoAway()) {
            ChannelFuture f = frame.apply(sent);
            if (!f.awaitUninterruptibly(5000) || !f.isSuccess()) {
                break;
            }
            sent++;
            if (sent % 8 == 0) {
                sleepMillis(2); // let an answer arrive before more frames pile up behind it
            }
        }
        return sent;
    }

    /** A header block dripped in CONTINUATION frames of one byte, never ended. */
    @Test
    void continuationFloodOfSmallFramesEndsTheConnection() {
        client.connect();
        client.rawFrame(TYPE_HEADERS, 0, 1, new byte[] {(byte) 0x82}); // :method GET, no END_HEADERS
        int sent = floodUntilStopped(10_000,
                i -> client.rawFrame(TYPE_CONTINUATION, 0, 1, new byte[] {(byte) 0x84})); // :path /
        assertServerEndedTheFlood(sent, 10_000);
    }

    /** A header block that keeps growing in full-size CONTINUATION frames, never ended. */
    @Test
    void continuationFloodOfBigFramesEndsTheConnection() {
        client.connect();
        byte[] fragment = new byte[16_384];
        java.util.Arrays.fill(fragment, (byte) 0x84);
        client.rawFrame(TYPE_HEADERS, 0, 1, fragment);
        int sent = floodUntilStopped(4_000, i -> client.rawFrame(TYPE_CONTINUATION, 0, 1, fragment)); // 64 MiB
        assertServerEndedTheFlood(sent, 4_000);
    }

    /**
     * PING and SETTINGS floods: each frame asks for an answer, and a client that does not read lets the answers pile
     * up. Past {@link Http2Codecs#MAX_QUEUED_CONTROL_FRAMES} queued answers the server ends the connection
     * (GOAWAY ENHANCE_YOUR_CALM, which this client sees only if it was not still sending when the server closed:
     * then the kernel resets the connection) instead of queueing the answers to millions of frames.
     */
    @Test
    void pingFloodFromAClientThatDoesNotReadEndsTheConnection() {
        assertFloodEndsTheConnection(n -> client.pings(n), 17);
    }

    @Test
    void settingsFloodFromAClientThatDoesNotReadEndsTheConnection() {
        assertFloodEndsTheConnection(n -> client.settingsFrames(n), 9);
    }

    private void assertFloodEndsTheConnection(java.util.function.IntFunction<ChannelFuture> flood, int frameBytes) {
        client.connect(false, 4096);
        int batch = 10_000;
        int batches = (int) ((64L << 20) / frameBytes / batch); // 64 MB of frames: far more than kernels buffer
        int sent = 0;
        for (int i = 0; i < batches && client.isOpen(); i++) {
            ChannelFuture f = flood.apply(batch);
            if (!f.awaitUninterruptibly(30_000) || !f.isSuccess()) {
                break;
            }
            sent += batch;
        }
        assertTrue(sent < batches * batch, "the server ended the flood after " + sent + " frames");
        client.startReading();
        Frame end = client.await(f -> f.type().equals("GOAWAY") || f.type().equals("CLOSED"), WAIT);
        assertTrue(end.type().equals("CLOSED") || isGoAway(end, Http2Error.ENHANCE_YOUR_CALM), end.toString());
        client.await(f -> f.type().equals("CLOSED"), WAIT);
    }

    @Test
    void emptyDataFramesEndTheConnection() {
        client.connect();
        client.headers(1, client.request("POST", "/upload"), false);
        for (int i = 0; i < 1000 && !client.receivedGoAway(); i++) {
            client.data(1, new byte[0], false).awaitUninterruptibly(5000);
            sleepMillis(5);
        }
        Frame goAway = client.awaitGoAway(WAIT);
        assertTrue(isGoAway(goAway, Http2Error.ENHANCE_YOUR_CALM), goAway.toString());
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
