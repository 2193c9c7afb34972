package dev.phalanx.node.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HeaderScan} must answer as Netty's own per-question lookups do, for the values clients really send. */
class HeaderScanTest {
    /** Values with edge whitespace, which Netty's decoder trims, to show the scan does not depend on that. */
    private static final HttpHeadersFactory UNVALIDATED = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);
    private static final List<String> CONNECTION_VALUES = List.of("close", "Close", "keep-alive", "Keep-Alive",
            "KEEP-ALIVE", " keep-alive ", "\tclose", "Upgrade", "keep-alive, Upgrade", "foo, close", "foo,close ",
            "x-close", "closed", "keep-alive,", ",", "", "te, keep-alive", "Keep-Alive , X-Foo", "upgrade,close");

    @Test
    void keepAliveAndUpgradeAgreeWithNettyForEveryConnectionValue() {
        for (HttpVersion version : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_1_0)) {
            for (String value : CONNECTION_VALUES) {
                for (boolean upgradeField : new boolean[]{false, true}) {
                    HttpRequest r = new DefaultHttpRequest(version, HttpMethod.GET, "/", UNVALIDATED);
                    r.headers().add("Host", "a").add("Connection", value);
                    if (upgradeField) {
                        r.headers().add("upgrade", "websocket");
                    }
                    int fields = HeaderScan.of(r.headers());
                    String what = version + " Connection: '" + value + "' upgrade field " + upgradeField;
                    assertEquals(HttpUtil.isKeepAlive(r), HeaderScan.keepAlive(fields, version), what);
                    assertEquals(upgradeField && r.headers().containsValue(HttpHeaderNames.CONNECTION,
                            HttpHeaderValues.UPGRADE, true), HeaderScan.upgrade(fields), what);
                }
            }
        }
    }

    @Test
    void repeatedConnectionFieldsAreAllRead() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "keep-alive").add("connection", "close");
        int fields = HeaderScan.of(h);
        assertFalse(HeaderScan.keepAlive(fields, HttpVersion.HTTP_1_1));
        assertTrue((fields & HeaderScan.TOKEN_OTHER) != 0, "close may name a field");
    }

    @Test
    void noConnectionFieldMeansTheVersionsDefault() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a").add("Content-Length", "3");
        int fields = HeaderScan.of(h);
        assertTrue(HeaderScan.keepAlive(fields, HttpVersion.HTTP_1_1));
        assertFalse(HeaderScan.keepAlive(fields, HttpVersion.HTTP_1_0));
        assertEquals(HeaderScan.CONTENT_LENGTH, fields, "only Content-Length is noted");
    }

    @Test
    void chunkedAgreesWithNetty() {
        for (String te : List.of("chunked", "Chunked", "gzip, chunked", " chunked ", "gzip", "xchunked", "chunked2",
                "gzip,CHUNKED", "")) {
            HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/", UNVALIDATED);
            r.headers().add("transfer-encoding", te);
            int fields = HeaderScan.of(r.headers());
            assertEquals(HttpUtil.isTransferEncodingChunked(r), (fields & HeaderScan.CHUNKED) != 0, te);
            assertTrue((fields & HeaderScan.TRANSFER_ENCODING) != 0, te);
        }
    }

    @Test
    void everyHopByHopFieldIsNotedInAnySpelling() {
        HttpHeaders h = new DefaultHttpHeaders().add("CONNECTION", "x").add("keep-alive", "timeout=5")
                .add("Proxy-Connection", "keep-alive").add("te", "trailers").add("Transfer-Encoding", "chunked")
                .add("UPGRADE", "h2c");
        assertEquals(HeaderScan.HOP_FIELDS, HeaderScan.of(h) & HeaderScan.HOP_FIELDS);
        HttpHeaders lookalikes = new DefaultHttpHeaders().add("Connectio", "close").add("Keep-Alivf", "1")
                .add("TF", "x").add("Upgradx", "y").add("Content-Lengtx", "3").add("Proxy-Connectiox", "z")
                .add("Transfer-Encodinx", "chunked");
        assertEquals(0, HeaderScan.of(lookalikes), "fields of the same lengths but other names");
    }

    @Test
    void removalWithTheScanLeavesOnlyEndToEndFields() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "a").add("Connection", "close, X-Secret")
                .add("X-Secret", "1").add("Close", "2").add("Keep-Alive", "timeout=5").add("TE", "trailers")
                .add("X-Kept", "3");
        HopByHopHeaders.removeHopByHop(h, false, HeaderScan.of(h));
        assertEquals(List.of("Host", "X-Kept"), List.copyOf(h.names()).stream().sorted().toList());
    }
}
