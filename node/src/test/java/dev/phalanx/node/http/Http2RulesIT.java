package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.RawH2Client;
import dev.phalanx.node.testsupport.RawH2Client.Frame;
import dev.phalanx.node.testsupport.TestBackend;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 9113 request rules on a real node, with raw frames: malformed requests (connection-specific headers, TE other
 * than trailers, uppercase names, a Host other than :authority, Content-Length that disagrees with the DATA) are
 * stream errors (RST_STREAM
 * PROTOCOL_ERROR) and never reach the upstream; a request with neither :authority nor Host is 400; a graceful drain sends
 * GOAWAY and lets the stream in flight finish.
 */
class Http2RulesIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestBackend backend;
    private NodeHarness node;
    private RawH2Client client;

    @BeforeEach
    void start() {
        backend = new TestBackend("b1").start();
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s }", null, backend),
                "limits: { drainTimeout: 12s }\n", "{ name: web, bind: \"127.0.0.1:0\", h2c: true }");
        client = new RawH2Client(node.port()).connect();
    }

    @AfterEach
    void stop() {
        client.close();
        node.close();
        backend.close();
    }

    /** The answer to a stream: its response HEADERS or its RST_STREAM. */
    private Frame answer(int stream) {
        return client.await(f -> f.streamId() == stream
                && (f.type().equals("HEADERS") || f.type().equals("RST_STREAM")), WAIT);
    }

    private void assertMalformed(Http2Headers headers) {
        client.headers(1, headers, true);
        Frame f = answer(1);
        assertEquals("RST_STREAM", f.type(), f.toString());
        assertEquals(Http2Error.PROTOCOL_ERROR.code(), f.code());
        client.headers(3, client.request("GET", "/next"), true);
        assertEquals("200", answer(3).status(), "the connection goes on");
        assertEquals(1, backend.requestCount(), "the malformed request did not go upstream");
    }

    /** The node answers Expect: 100-continue itself on a stream too: an interim HEADERS, then the body may come. */
    @Test
    void expect100ContinueIsAnsweredWithAnInterimHeadersFrame() {
        client.headers(1, client.request("POST", "/upload").add("expect", "100-continue")
                .add("content-length", "5"), false);
        Frame interim = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT);
        assertEquals("100", interim.status(), interim.toString());
        assertTrue(!interim.endStream());
        client.data(1, "hello".getBytes(StandardCharsets.US_ASCII), true);
        Frame last = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS") && !"100".equals(f.status()),
                WAIT);
        assertEquals("200", last.status(), last.toString());
        assertEquals(null, backend.requests().get(0).headers().get("expect"), "Expect is not forwarded");
    }

    @Test
    void connectionSpecificHeaderIsMalformed() {
        assertMalformed(client.request("GET", "/x").add("connection", "keep-alive"));
    }

    @Test
    void transferEncodingIsMalformed() {
        assertMalformed(client.request("GET", "/x").add("transfer-encoding", "chunked"));
    }

    @Test
    void teOtherThanTrailersIsMalformed() {
        assertMalformed(client.request("GET", "/x").add("te", "gzip"));
    }

    @Test
    void uppercaseHeaderNameIsMalformed() {
        assertMalformed(client.request("GET", "/x").add("X-Upper", "1"));
    }

    @Test
    void teTrailersIsAllowed() {
        client.headers(1, client.request("GET", "/x").add("te", "trailers"), true);
        assertEquals("200", answer(1).status());
    }

    @Test
    void contentLengthThatDisagreesWithTheDataIsAStreamError() {
        client.headers(1, client.request("POST", "/upload").add("content-length", "10"), false);
        client.data(1, "12345".getBytes(StandardCharsets.US_ASCII), true);
        Frame f = client.await(f2 -> f2.streamId() == 1 && f2.type().equals("RST_STREAM"), WAIT);
        assertEquals(Http2Error.PROTOCOL_ERROR.code(), f.code(), f.toString());
    }

    @Test
    void missingAuthorityAndHostIs400() {
        Http2Headers h = new DefaultHttp2Headers().method("GET").path("/x").scheme("http");
        client.headers(1, h, true);
        assertEquals("400", answer(1).status());
        assertEquals(0, backend.requestCount());
    }

    /** RFC 9113 §8.3.1: a Host that names another entity than :authority makes the request malformed. */
    @Test
    void hostThatDiffersFromAuthorityIsMalformed() {
        assertMalformed(client.request("GET", "/x").add("host", "other.example"));
    }

    @Test
    void hostEqualToAuthorityIsOneHost() {
        client.headers(1, client.request("GET", "/x").add("host", "127.0.0.1:" + node.port()), true);
        assertEquals("200", answer(1).status());
        assertEquals(1, backend.requests().get(0).headers().getAll("host").size());
    }

    @Test
    void hostAloneStandsForAuthority() {
        Http2Headers h = new DefaultHttp2Headers().method("GET").path("/x").scheme("http").add("host", "h.example");
        client.headers(1, h, true);
        assertEquals("200", answer(1).status());
        assertEquals("h.example", backend.requests().get(0).headers().get("host"));
    }

    @Test
    void connectIs405() {
        Http2Headers h = new DefaultHttp2Headers().method("CONNECT").authority("example.com:443");
        client.headers(1, h, false);
        Frame f = answer(1);
        assertTrue("405".equals(f.status()) || f.type().equals("RST_STREAM"), f.toString());
        assertEquals(0, backend.requestCount());
    }

    @Test
    void anIdleConnectionGetsGoAwayButNotWhileAStreamIsOpen() {
        client.close();
        node.close();
        node = NodeHarness.start(NodeHarness.simpleRoutes("timeouts: { idle: 30s, response: 30s }", null, backend),
                "limits: { idleTimeout: 1s }\n", "{ name: web, bind: \"127.0.0.1:0\", h2c: true }");
        client = new RawH2Client(node.port()).connect();
        client.headers(1, client.request("GET", "/slow/2500"), true); // the client is silent meanwhile
        Frame head = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT);
        assertEquals("200", head.status(), "not cut while its stream was open");
        assertTrue(client.seen().stream().noneMatch(f -> f.type().equals("GOAWAY")), client.seen().toString());
        Frame goAway = client.awaitGoAway(WAIT); // then idle: closed
        assertEquals(Http2Error.NO_ERROR.code(), goAway.code());
        client.await(f -> f.type().equals("CLOSED"), WAIT);
    }

    @Test
    void proxyProtocolSourceIsTheClientOfEveryStream() {
        client.close();
        node.close();
        node = NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend), null,
                "{ name: web, bind: \"127.0.0.1:0\", h2c: true, proxyProtocol: true }");
        byte[] proxyV1 = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\n".getBytes(StandardCharsets.US_ASCII);
        client = new RawH2Client(node.port()).connect(true, 0, proxyV1);
        client.headers(1, client.request("GET", "/a"), true);
        client.headers(3, client.request("GET", "/b"), true);
        assertEquals("200", answer(1).status());
        assertEquals("200", answer(3).status());
        for (var r : backend.requests()) {
            assertEquals("203.0.113.7", r.headers().get("x-forwarded-for"), r.uri());
        }
        assertEquals(2, backend.requestCount());
    }

    @Test
    void drainSendsGoAwayAndTheStreamInFlightFinishes() {
        client.headers(1, client.request("GET", "/slow/4000"), true);
        node.node().startDrain(); // GOAWAY in two steps (Http2DrainIT), while the backend still thinks
        Frame announce = client.awaitGoAway(WAIT);
        assertEquals(Integer.MAX_VALUE, announce.streamId(), "first GOAWAY: open no more streams");
        Frame goAway = client.await(f -> f.type().equals("GOAWAY") && f.streamId() != Integer.MAX_VALUE, WAIT);
        assertEquals(Http2Error.NO_ERROR.code(), goAway.code(), goAway.toString());
        assertEquals(1, goAway.streamId(), "last stream id: the one in flight");
        Frame head = client.await(f -> f.streamId() == 1 && f.type().equals("HEADERS"), WAIT);
        assertEquals("200", head.status());
        client.await(f -> f.streamId() == 1 && f.endStream(), WAIT);
        client.await(f -> f.type().equals("CLOSED"), WAIT);
    }
}
