package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.Cidr;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingHeadersTest {
    static final List<Cidr> TRUSTED = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128"));
    static final InetSocketAddress TRUSTED_PEER = new InetSocketAddress(ip("10.0.0.5"), 40000);
    static final InetSocketAddress UNTRUSTED_PEER = new InetSocketAddress(ip("203.0.113.7"), 40000);

    static InetAddress ip(String literal) {
        return ClientAddress.parseLiteral(literal, 0, literal.length());
    }

    static HttpRequest request(String... headerPairs) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x");
        for (int i = 0; i < headerPairs.length; i += 2) {
            request.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        return request;
    }

    static String apply(HttpRequest request, InetSocketAddress peer, boolean tls, boolean forwarded) {
        ForwardingHeaders.Hop hop = ForwardingHeaders.Hop.of(peer, null, TRUSTED, tls);
        InetAddress client = ClientAddress.resolve(peer, null, request.headers(), TRUSTED);
        return ForwardingHeaders.apply(request, hop, client, forwarded, false);
    }

    @Test
    void untrustedPeerReplacesEverythingItSent() {
        HttpRequest r = request("Host", "example.com", "X-Forwarded-For", "1.2.3.4", "X-Real-IP", "1.2.3.4",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example", "Forwarded", "for=1.2.3.4");
        apply(r, UNTRUSTED_PEER, false, false);
        HttpHeaders h = r.headers();
        assertEquals(List.of("203.0.113.7"), h.getAll("x-forwarded-for"));
        assertEquals("203.0.113.7", h.get("x-real-ip"));
        assertEquals("http", h.get("x-forwarded-proto"));
        assertEquals("example.com", h.get("x-forwarded-host"));
        assertFalse(h.contains("forwarded"), "an untrusted Forwarded is dropped even when the route adds none");
        assertEquals("example.com", h.get("host"));
    }

    @Test
    void trustedPeerAppendsAndKeeps() {
        HttpRequest r = request("Host", "example.com", "X-Forwarded-For", "198.51.100.1, 10.1.1.1",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "public.example", "Forwarded", "for=198.51.100.1");
        apply(r, TRUSTED_PEER, false, false);
        HttpHeaders h = r.headers();
        assertEquals("198.51.100.1, 10.1.1.1, 10.0.0.5", h.get("x-forwarded-for"));
        assertEquals("198.51.100.1", h.get("x-real-ip"), "right-most untrusted address");
        assertEquals("https", h.get("x-forwarded-proto"));
        assertEquals("public.example", h.get("x-forwarded-host"));
        assertEquals("for=198.51.100.1", h.get("forwarded"), "kept untouched when the route adds none");
    }

    @Test
    void trustedPeerWithoutForwardingHeadersGetsThemSet() {
        HttpRequest r = request("Host", "example.com");
        apply(r, TRUSTED_PEER, true, false);
        HttpHeaders h = r.headers();
        assertEquals("10.0.0.5", h.get("x-forwarded-for"));
        assertEquals("10.0.0.5", h.get("x-real-ip"));
        assertEquals("https", h.get("x-forwarded-proto"));
        assertEquals("example.com", h.get("x-forwarded-host"));
    }

    @Test
    void repeatedXffFieldsAreJoinedInOrder() {
        HttpRequest r = request("Host", "a", "X-Forwarded-For", "198.51.100.1", "X-Forwarded-For", "10.2.2.2");
        apply(r, TRUSTED_PEER, false, false);
        assertEquals(List.of("198.51.100.1, 10.2.2.2, 10.0.0.5"), r.headers().getAll("x-forwarded-for"));
    }

    @Test
    void forwardedIsFreshFromUntrustedAndAppendedFromTrusted() {
        HttpRequest untrusted = request("Host", "example.com:8080", "Forwarded", "for=1.1.1.1;proto=https");
        apply(untrusted, UNTRUSTED_PEER, true, true);
        assertEquals("for=203.0.113.7;host=\"example.com:8080\";proto=https", untrusted.headers().get("forwarded"));

        HttpRequest trusted = request("Host", "example.com", "Forwarded", "for=198.51.100.1");
        apply(trusted, TRUSTED_PEER, false, true);
        assertEquals("for=198.51.100.1, for=10.0.0.5;host=example.com;proto=http", trusted.headers().get("forwarded"));
    }

    @Test
    void forwardedQuotesIpv6() {
        HttpRequest r = request("Host", "example.com");
        InetSocketAddress v6 = new InetSocketAddress(ip("2001:db8::1"), 1234);
        apply(r, v6, false, true);
        assertEquals("for=\"[2001:db8::1]\";host=example.com;proto=http", r.headers().get("forwarded"));
        assertEquals("2001:db8::1", r.headers().get("x-forwarded-for"));
        assertEquals("2001:db8::1", r.headers().get("x-real-ip"));
    }

    @Test
    void requestIdIsKeptWhenWellFormedAndReplacedOtherwise() {
        HttpRequest good = request("Host", "a", "X-Request-Id", "abc-123_4.5:6+7/8=");
        assertEquals("abc-123_4.5:6+7/8=", apply(good, UNTRUSTED_PEER, false, false));
        assertEquals("abc-123_4.5:6+7/8=", good.headers().get("x-request-id"));

        for (String bad : new String[] {"has space", "", "x".repeat(201), "quote\"", "caf\u00e9"}) {
            HttpRequest r = request("Host", "a", "X-Request-Id", bad);
            String id = apply(r, UNTRUSTED_PEER, false, false);
            assertNotEquals(bad, id);
            assertEquals(List.of(id), r.headers().getAll("x-request-id"));
            assertTrue(id.matches("[0-9a-f]{32}"), id);
        }
        HttpRequest two = request("Host", "a", "X-Request-Id", "one", "X-Request-Id", "two");
        String id = apply(two, UNTRUSTED_PEER, false, false);
        assertEquals(List.of(id), two.headers().getAll("x-request-id"));

        HttpRequest none = request("Host", "a");
        String generated = apply(none, UNTRUSTED_PEER, false, false);
        assertEquals(generated, none.headers().get("x-request-id"));
    }

    @Test
    void hopByHopFieldsAndTheFieldsConnectionNamesAreRemoved() {
        HttpRequest r = request("Host", "example.com", "Connection", "keep-alive, X-Secret, host",
                "Connection", "content-length,x-forwarded-for", "Keep-Alive", "timeout=5", "Proxy-Connection", "x",
                "TE", "trailers", "Upgrade", "h2c", "X-Secret", "s", "Content-Length", "3", "X-Other", "o");
        apply(r, UNTRUSTED_PEER, false, false);
        HttpHeaders h = r.headers();
        for (String gone : new String[] {"connection", "keep-alive", "proxy-connection", "te", "upgrade", "x-secret"}) {
            assertFalse(h.contains(gone), gone);
        }
        assertEquals("example.com", h.get("host"), "Connection cannot remove Host");
        assertEquals("3", h.get("content-length"), "Connection cannot remove Content-Length");
        assertEquals("203.0.113.7", h.get("x-forwarded-for"), "written after the removal");
        assertEquals("o", h.get("x-other"));
    }

    @Test
    void upgradeBeingTunnelledKeepsUpgradeAndConnectionUpgrade() {
        HttpRequest r = request("Host", "example.com", "Connection", "keep-alive, Upgrade, X-Hop",
                "Upgrade", "websocket", "X-Hop", "1", "Sec-WebSocket-Key", "k");
        ForwardingHeaders.apply(r, ForwardingHeaders.Hop.of(UNTRUSTED_PEER, null, TRUSTED, false),
                UNTRUSTED_PEER.getAddress(), false, true);
        assertEquals("websocket", r.headers().get("upgrade"));
        assertEquals(List.of("upgrade"), r.headers().getAll("connection"));
        assertFalse(r.headers().contains("x-hop"));
        assertEquals("k", r.headers().get("sec-websocket-key"));
    }

    @Test
    void chunkedRequestStaysChunkedForTheNextHop() {
        HttpRequest r = request("Host", "example.com", "Transfer-Encoding", "chunked");
        apply(r, UNTRUSTED_PEER, false, false);
        assertTrue(HttpUtil.isTransferEncodingChunked(r));
        assertEquals(List.of("chunked"), r.headers().getAll("transfer-encoding"));
    }

    @Test
    void responseHopByHopRemoval() {
        HttpHeaders h = request("Connection", "close, X-Hop", "X-Hop", "1", "Transfer-Encoding", "chunked",
                "Keep-Alive", "timeout=5", "Upgrade", "websocket", "Server", "s").headers();
        HopByHopHeaders.removeHopByHop(h, false);
        assertEquals(List.of("server"), h.names().stream().map(n -> n.toLowerCase()).toList());

        HttpHeaders upgrade = request("Connection", "Upgrade", "Upgrade", "websocket").headers();
        HopByHopHeaders.removeHopByHop(upgrade, true);
        assertEquals("websocket", upgrade.get("upgrade"));
        assertEquals("upgrade", upgrade.get("connection"));

        HttpHeaders noUpgradeField = request("Connection", "Upgrade").headers();
        HopByHopHeaders.removeHopByHop(noUpgradeField, true);
        assertNull(noUpgradeField.get("connection"), "no Connection: upgrade without an Upgrade field");
    }

    @Test
    void proxyProtocolSourceIsTheHop() {
        InetSocketAddress source = new InetSocketAddress(ip("198.51.100.9"), 5555);
        ForwardingHeaders.Hop hop = ForwardingHeaders.Hop.of(TRUSTED_PEER, source, TRUSTED, true);
        assertEquals(ip("198.51.100.9"), hop.address());
        assertFalse(hop.trusted());
        HttpRequest r = request("Host", "a", "X-Forwarded-For", "1.2.3.4");
        ForwardingHeaders.apply(r, hop, ClientAddress.resolve(TRUSTED_PEER, source, r.headers(), TRUSTED), false, false);
        assertEquals("198.51.100.9", r.headers().get("x-forwarded-for"));
        assertEquals("198.51.100.9", r.headers().get("x-real-ip"));
    }
}
