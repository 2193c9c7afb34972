package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawH2Client;
import dev.phalanx.node.testsupport.RawH2Client.Frame;
import dev.phalanx.node.testsupport.TestBackend;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 connection through a drain: GOAWAY with the largest stream id first (open no more streams, but a stream
 * sent meanwhile is still served), then after {@code drain.idleCloseGrace} GOAWAY with the last stream really
 * opened; every stream finishes and the connection closes.
 */
class Http2DrainIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private TestBackend backend;
    private NodeHarness node;
    private RawH2Client client;

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

    @Test
    void goAwayComesInTwoStepsAndEveryStreamIsServed() throws Exception {
        backend = new TestBackend("b").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend), """
                limits: { drainTimeout: 10s }
                drain: { idleCloseGrace: 1s, closingMax: 3s, releaseGrace: 500ms }
                """, "{ name: web, bind: \"127.0.0.1:0\", h2c: true }");
        client = new RawH2Client(node.port()).connect();
        client.headers(1, client.request("GET", "/slow/2500"), true);
        Thread.sleep(200);
        node.node().startDrain();

        Frame first = client.awaitGoAway(WAIT);
        assertEquals(Integer.MAX_VALUE, first.streamId(), "first GOAWAY: no new streams, but none refused yet");
        assertEquals(0, first.code(), "NO_ERROR");
        client.headers(3, client.request("GET", "/after-first-goaway"), true);
        assertEquals("200", client.await(f -> f.streamId() == 3 && f.type().equals("HEADERS"), WAIT).status(),
                "a stream opened after the first GOAWAY is served");

        Frame last = client.await(f -> f.type().equals("GOAWAY") && f.streamId() != Integer.MAX_VALUE, WAIT);
        assertEquals(3, last.streamId(), "the final GOAWAY names the last stream opened");
        assertEquals(0, last.code());
        assertEquals("200", client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT).status(),
                "the stream in flight finished");
        assertTrue(node.node().awaitStopped(15, TimeUnit.SECONDS), "the node stops after the drain");
        for (int i = 0; i < 100 && client.isOpen(); i++) {
            Thread.sleep(50);
        }
        assertFalse(client.isOpen(), "the connection closed");
    }
}
