package dev.phalanx.node.http;

import dev.phalanx.node.routing.Route;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Turns an upstream response head into the downstream one, in place: hop-by-hop headers out, the route's response
 * header edits, and framing for the downstream connection (chunked on HTTP/1.1 when the length is unknown;
 * close-delimited on HTTP/1.0), plus {@code Connection: close} when the connection ends after it.
 */
final class DownstreamResponses {
    private DownstreamResponses() {
    }

    /**
     * @param fields the response's {@link HeaderScan}, made before anything edited it
     * @return whether the downstream connection must close after this response
     */
    static boolean prepare(HttpResponse response, int fields, Route route, HttpMethod method, boolean http10,
                           boolean close) {
        HttpHeaders h = response.headers();
        boolean hadLength = (fields & HeaderScan.CONTENT_LENGTH) != 0;
        HopByHopHeaders.removeHopByHop(h, false, fields);
        route.responseHeaders().apply(h);
        int code = response.status().code();
        boolean bodyless = method == HttpMethod.HEAD || code == 204 || code == 304 || code < 200;
        response.setProtocolVersion(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        if (!hadLength && !bodyless) {
            if (http10) {
                close = true;
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        if (close) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return close;
    }
}
