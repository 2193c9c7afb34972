package dev.phalanx.node.http;

import static dev.phalanx.node.http.ForwardingHeadersTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.phalanx.cluster.model.Cidr;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
    static final List<Cidr> TRUSTED = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"));
    static final InetSocketAddress TRUSTED_PEER = new InetSocketAddress(ip("10.0.0.5"), 1);
    static final InetSocketAddress UNTRUSTED_PEER = new InetSocketAddress(ip("203.0.113.7"), 1);

    static HttpHeaders xff(String... values) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String v : values) {
            h.add("X-Forwarded-For", v);
        }
        return h;
    }

    static String resolve(InetSocketAddress peer, HttpHeaders headers) {
        return ClientAddress.resolve(peer, null, headers, TRUSTED).getHostAddress();
    }

    @Test
    void untrustedPeerIsTheClientWhateverItClaims() {
        assertEquals("203.0.113.7", resolve(UNTRUSTED_PEER, xff("1.2.3.4")));
        assertEquals("203.0.113.7", resolve(UNTRUSTED_PEER, xff()));
    }

    @Test
    void trustedPeerWalksFromTheRightSkippingTrustedProxies() {
        assertEquals("10.0.0.5", resolve(TRUSTED_PEER, xff()));
        assertEquals("198.51.100.1", resolve(TRUSTED_PEER, xff("198.51.100.1")));
        // a spoofed left-most entry is not believed: the right-most untrusted one is the client
        assertEquals("198.51.100.2", resolve(TRUSTED_PEER, xff("1.1.1.1, 198.51.100.2, 10.9.9.9, 10.8.8.8")));
        assertEquals("198.51.100.2", resolve(TRUSTED_PEER, xff("1.1.1.1, 198.51.100.2", "10.9.9.9 ,10.8.8.8")));
    }

    @Test
    void allTrustedGivesTheLeftMost() {
        assertEquals("10.1.1.1", resolve(TRUSTED_PEER, xff("10.1.1.1, 10.2.2.2")));
    }

    @Test
    void garbageStopsTheWalkAtTheLastGoodHop() {
        assertEquals("10.2.2.2", resolve(TRUSTED_PEER, xff("198.51.100.1, unknown, 10.2.2.2")));
        assertEquals("10.0.0.5", resolve(TRUSTED_PEER, xff("198.51.100.1, example.com")));
        assertEquals("10.0.0.5", resolve(TRUSTED_PEER, xff("198.51.100.1,")));
        assertEquals("10.0.0.5", resolve(TRUSTED_PEER, xff("")));
    }

    @Test
    void portsAndBracketsAndIpv6() {
        assertEquals("198.51.100.1", resolve(TRUSTED_PEER, xff("198.51.100.1:4711")));
        assertEquals("2001:db8:0:0:0:0:0:1", resolve(TRUSTED_PEER, xff("[2001:db8::1]:4711")));
        assertEquals("2001:db8:0:0:0:0:0:1", resolve(TRUSTED_PEER, xff("2001:db8::1, fd00::7")));
        assertEquals("2001:db8:0:0:0:0:0:1", resolve(TRUSTED_PEER, xff("[2001:db8::1]")));
    }

    @Test
    void literalParserNeverResolvesNames() {
        for (String s : new String[] {"localhost", "example.com", "1.2.3", "1.2.3.4:", "1.2.3.4:99999999",
                "[::1", "[1.2.3.4]", "_hidden", "1.2.3.4.5", " ", "::1]"}) {
            assertNull(ClientAddress.parseLiteral(s, 0, s.length()), s);
        }
        assertEquals(ip("::1"), ClientAddress.parseLiteral(" ::1\t", 0, 5));
    }

    @Test
    void proxyProtocolSourceReplacesThePeer() {
        InetSocketAddress source = new InetSocketAddress(ip("10.3.3.3"), 2);
        assertEquals("198.51.100.1",
                ClientAddress.resolve(TRUSTED_PEER, source, xff("198.51.100.1"), TRUSTED).getHostAddress());
        InetSocketAddress external = new InetSocketAddress(ip("198.51.100.50"), 2);
        assertEquals("198.51.100.50",
                ClientAddress.resolve(TRUSTED_PEER, external, xff("1.2.3.4"), TRUSTED).getHostAddress());
    }
}
