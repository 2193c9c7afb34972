package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawHttp;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * h2c smuggling and the Upgrade allow-list, against a backend that records the raw request bytes and would switch
 * protocols for anyone who asks (or even for those who do not): an {@code Upgrade: h2c} request is answered as plain
 * HTTP/1.1 and reaches the backend without {@code Upgrade}, {@code HTTP2-Settings} or a {@code Connection: upgrade};
 * only the protocols a route allows are offered upstream, and a 101 to anything else is never tunnelled.
 */
class H2cUpgradeIT {
    private static final String SWITCH_TO_H2C =
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    private static final String H2C_REQUEST = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private RawBackend backend;
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

    private void start(String routeExtra, java.util.function.Function<String, String> responder) {
        backend = new RawBackend(responder);
        node = NodeHarness.start("""
                routes:
                  - { id: all, match: { pathPrefix: / }, pool: p, retries: { attempts: 0 }%s }
                pools:
                  - { id: p, endpoints: [ "127.0.0.1:%d" ] }
                """.formatted(routeExtra, backend.port()));
    }

    /** A backend that switches to h2c whenever the head it received asks for it (as an h2c-capable origin would). */
    private static String switchWhenAsked(String head) {
        return head.toLowerCase().contains("upgrade: h2c") ? SWITCH_TO_H2C : RawBackend.OK;
    }

    @Test
    void anH2cUpgradeIsAnsweredAsPlainHttp11AndNeverTunnelled() throws Exception {
        start("", H2cUpgradeIT::switchWhenAsked);
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(H2C_REQUEST.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertEquals("plain", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
            // the connection still speaks HTTP/1.1: the HTTP/2 preface that would follow a 101 is a bad request
            out.write(PREFACE);
            out.flush();
            String after = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertEquals(List.of(400), RawHttp.statuses(after), after);
        }
        assertEquals(1, backend.received().size(), "only the plain request reached the backend");
        RawBackend.Received r = backend.received().get(0);
        assertFalse(r.hasField("upgrade"), r.head());
        assertFalse(r.hasField("http2-settings"), r.head());
        assertFalse(r.hasField("connection") && r.field("connection").toLowerCase().contains("upgrade"), r.head());
        assertArrayEquals(new byte[0], backend.tunnelBytes(), "no tunnel was set up");
    }

    @Test
    void h2cIsDroppedFromAListAndOnlyTheAllowedProtocolIsOffered() throws Exception {
        // the backend picks h2c although only websocket was offered: the node refuses to tunnel that switch
        start("", head -> SWITCH_TO_H2C);
        String out = RawHttp.exchange(node.port(), "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                + "Upgrade: h2c, WebSocket/13\r\nSec-WebSocket-Version: 13\r\n\r\n", 2000);
        assertEquals(List.of(502), RawHttp.statuses(out), out);
        RawBackend.Received r = backend.received().get(0);
        assertEquals("WebSocket/13", r.field("upgrade"), r.head());
        assertEquals("upgrade", r.field("connection"), r.head());
        assertArrayEquals(new byte[0], backend.tunnelBytes());
    }

    @Test
    void a101ToARequestThatOfferedNoUpgradeIsABadGateway() throws Exception {
        start("", head -> SWITCH_TO_H2C);
        String out = RawHttp.exchange(node.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2000);
        assertEquals(List.of(502), RawHttp.statuses(out), out);
        assertArrayEquals(new byte[0], backend.tunnelBytes());
    }

    @Test
    void anUpgradeTheRouteDoesNotListGoesUpAsAPlainRequest() throws Exception {
        start(", upgrades: []", head -> head.toLowerCase().contains("upgrade:") ? SWITCH_TO_H2C : RawBackend.OK);
        String out = RawHttp.exchange(node.port(), "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                + "Upgrade: websocket\r\n\r\n", 1000);
        assertEquals(List.of(200), RawHttp.statuses(out), out);
        RawBackend.Received r = backend.received().get(0);
        assertFalse(r.hasField("upgrade"), r.head());
        assertFalse(r.hasField("connection") && r.field("connection").toLowerCase().contains("upgrade"), r.head());
    }

    @Test
    void aProtocolTheRouteOptsIntoIsOfferedAndTunnelled() throws Exception {
        start(", upgrades: [websocket, my-proto]", head -> head.toLowerCase().contains("upgrade: my-proto")
                ? "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: my-proto\r\n\r\n" : RawBackend.OK);
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: my-proto\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            out.write("tunnel bytes".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (backend.tunnelBytes().length < 12 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertEquals("tunnel bytes", new String(backend.tunnelBytes(), StandardCharsets.US_ASCII));
    }

    static String readHead(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
