package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Where a request goes, read once from its head: the host as the client sent it (Host header, else the authority of
 * an absolute-form target; routing ignores its port and case), and the path and query of its target in origin form
 * (absolute-form targets are reduced to their path).
 */
record RequestTarget(String host, String path, String originForm) {

    static RequestTarget of(HttpRequest request) {
        String uri = request.uri();
        String authority = null;
        String origin = uri;
        if (!uri.isEmpty() && uri.charAt(0) != '/' && !"*".equals(uri)) {
            int scheme = uri.indexOf("://");
            if (scheme > 0) {
                int pathStart = uri.indexOf('/', scheme + 3);
                int queryStart = uri.indexOf('?', scheme + 3);
                int end = pathStart >= 0 ? pathStart : queryStart >= 0 ? queryStart : uri.length();
                authority = uri.substring(scheme + 3, end);
                origin = pathStart >= 0 ? uri.substring(pathStart) : "/" + uri.substring(end);
            }
        }
        String hostHeader = request.headers().get(HttpHeaderNames.HOST);
        // as sent: the route table ignores the port and case itself, without allocating
        String host = hostHeader != null ? hostHeader : authority != null ? authority : "";
        int q = origin.indexOf('?');
        String path = q >= 0 ? origin.substring(0, q) : origin;
        return new RequestTarget(host, path, origin);
    }
}
