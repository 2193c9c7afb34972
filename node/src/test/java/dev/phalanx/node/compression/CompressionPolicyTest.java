package dev.phalanx.node.compression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.phalanx.cluster.model.CompressionSpec;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompressionPolicyTest {
    private final CompressionPolicy policy = CompressionPolicy.of(CompressionSpec.DEFAULT);

    private static HttpHeaders request(String... nameValues) {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("accept-encoding", "gzip, br, zstd");
        for (int i = 0; i < nameValues.length; i += 2) {
            h.set(nameValues[i], nameValues[i + 1]);
        }
        return h;
    }

    private static HttpResponse response(int code, String... nameValues) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code));
        r.headers().set("content-type", "text/html; charset=utf-8").set("content-length", "5000");
        for (int i = 0; i < nameValues.length; i += 2) {
            if (nameValues[i + 1] == null) {
                r.headers().remove(nameValues[i]);
            } else {
                r.headers().set(nameValues[i], nameValues[i + 1]);
            }
        }
        return r;
    }

    private ContentCoding decide(HttpHeaders request, HttpResponse response) {
        return policy.decide(HttpMethod.GET, request, response);
    }

    @Test
    void compressesTextWithThePreferredAcceptedCoding() {
        assertEquals(ContentCoding.ZSTD, decide(request(), response(200)));
        assertEquals(ContentCoding.GZIP, decide(request("accept-encoding", "gzip"), response(404)));
        assertEquals(ContentCoding.BR, decide(request("accept-encoding", "gzip;q=0.9, br"),
                response(200, "content-length", null)),
                "an unknown length is compressed");
    }

    @Test
    void candidateButNotAcceptedGivesIdentity() {
        assertEquals(ContentCoding.IDENTITY, decide(request("accept-encoding", "deflate"), response(200)));
        assertEquals(ContentCoding.IDENTITY, policy.decide(HttpMethod.HEAD, request(), response(200)));
    }

    @Test
    void notCandidates() {
        assertNull(decide(request(), response(204)));
        assertNull(decide(request(), response(304)));
        assertNull(decide(request(), response(206, "content-range", "bytes 0-4999/10000")));
        assertNull(decide(request(), response(200, "content-range", "bytes 0-4999/10000")));
        assertNull(decide(request(), response(200, "content-encoding", "gzip")));
        assertNull(decide(request(), response(200, "cache-control", "public, no-transform")));
        assertNull(decide(request("cache-control", "no-transform"), response(200)));
        assertNull(decide(request(), response(200, "content-length", "1023")), "below minLength");
        assertNull(decide(request(), response(200, "content-type", "image/png")));
        assertNull(decide(request(), response(200, "content-type", null)));
        assertNull(CompressionPolicy.of(CompressionSpec.OFF).decide(HttpMethod.GET, request(), response(200)));
    }

    @Test
    void identityContentEncodingIsNotAnEncoding() {
        assertEquals(ContentCoding.ZSTD, decide(request(), response(200, "content-encoding", "identity")));
    }

    @Test
    void routeSettings() {
        CompressionSpec spec = new CompressionSpec(true, List.of("gzip"), 9, 5, 5, 0, List.of("application/x-ndjson"));
        CompressionPolicy p = CompressionPolicy.of(spec);
        assertEquals(ContentCoding.GZIP, p.decide(HttpMethod.GET, request(),
                response(200, "content-type", "application/x-ndjson", "content-length", "10")));
        assertNull(p.decide(HttpMethod.GET, request(), response(200)), "text/html is not in the route's types");
        assertEquals(9, p.level(ContentCoding.GZIP));
    }
}
