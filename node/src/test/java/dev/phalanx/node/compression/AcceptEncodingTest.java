package dev.phalanx.node.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AcceptEncodingTest {
    private static final List<ContentCoding> ALL = List.of(ContentCoding.ZSTD, ContentCoding.BR, ContentCoding.GZIP);

    private static ContentCoding pick(String... lines) {
        return AcceptEncoding.pick(List.of(lines), ALL);
    }

    @Test
    void noFieldMeansIdentity() {
        assertEquals(ContentCoding.IDENTITY, AcceptEncoding.pick(List.of(), ALL));
        assertEquals(ContentCoding.IDENTITY, pick(""));
        assertEquals(ContentCoding.IDENTITY, pick("identity"));
    }

    @Test
    void serverPreferenceBreaksTies() {
        assertEquals(ContentCoding.ZSTD, pick("gzip, deflate, br, zstd"));
        assertEquals(ContentCoding.BR, pick("gzip, deflate, br"));
        assertEquals(ContentCoding.GZIP, pick("gzip"));
        assertEquals(ContentCoding.BR, AcceptEncoding.pick(List.of("gzip, br, zstd"),
                List.of(ContentCoding.BR, ContentCoding.GZIP)), "only the route's codings");
    }

    @Test
    void higherQualityWins() {
        assertEquals(ContentCoding.GZIP, pick("br;q=0.5, gzip;q=1.0, zstd;q=0.2"));
        assertEquals(ContentCoding.BR, pick("gzip;q=0.8, br ; q=0.9"));
        assertEquals(ContentCoding.GZIP, pick("GZIP;Q=0.001"));
    }

    @Test
    void zeroQualityRefuses() {
        assertEquals(ContentCoding.GZIP, pick("zstd;q=0, br;q=0.000, gzip"));
        assertEquals(ContentCoding.IDENTITY, pick("gzip;q=0"));
        assertEquals(ContentCoding.GZIP, pick("identity;q=0, gzip"));
    }

    @Test
    void starCoversCodingsNotNamed() {
        assertEquals(ContentCoding.ZSTD, pick("*"));
        assertEquals(ContentCoding.BR, pick("*;q=0.5, zstd;q=0"));
        assertEquals(ContentCoding.GZIP, pick("*;q=0, gzip"));
        assertEquals(ContentCoding.IDENTITY, pick("*;q=0"));
        assertEquals(ContentCoding.ZSTD, pick("gzip;q=0.4, *;q=0.5"), "* outranks gzip's own lower q");
    }

    @Test
    void severalFieldLinesAndAliases() {
        assertEquals(ContentCoding.BR, pick("gzip;q=0.5", "br"));
        assertEquals(ContentCoding.GZIP, AcceptEncoding.pick(List.of("x-gzip"), ALL));
    }

    @Test
    void malformedQualityCountsAsRefusal() {
        assertEquals(ContentCoding.GZIP, pick("br;q=abc, zstd;q=2, gzip;q=0.1"));
        assertEquals(ContentCoding.GZIP, pick("br;q=1.5, zstd;q=0.10000, gzip;q=0.1"), "five decimals is malformed too");
        assertEquals(ContentCoding.BR, pick(" , ;, br;level=3;q=0.7 ,"));
    }

    @Test
    void qValues() {
        assertEquals(1000, AcceptEncoding.qValue("1", 0, 1));
        assertEquals(1000, AcceptEncoding.qValue("1.000", 0, 5));
        assertEquals(0, AcceptEncoding.qValue("1.001", 0, 5));
        assertEquals(500, AcceptEncoding.qValue("0.5", 0, 3));
        assertEquals(123, AcceptEncoding.qValue("0.123", 0, 5));
        assertEquals(0, AcceptEncoding.qValue(".5", 0, 2));
    }
}
