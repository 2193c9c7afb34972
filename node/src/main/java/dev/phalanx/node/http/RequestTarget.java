package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Locale;

/**
 * Where a request goes, read once from its head: the host (lower case, no port) used for routing, and the path and
 * query of its target in origin form (absolute-form targets are reduced to their path).
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
        String host = stripPort(hostHeader != null ? hostHeader : authority != null ? authority : "");
        int q = origin.indexOf('?');
        String path = q >= 0 ? origin.substring(0, q) : origin;
        return new RequestTarget(host, path, origin);
    }

    static String stripPort(String hostPort) {
        String h = hostPort;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close > 0 ? h.substring(0, close + 1) : h;
        } else {
            int colon = h.lastIndexOf(':');
            if (colon >= 0) {
                h = h.substring(0, colon);
            }
        }
        for (int i = 0; i < h.length(); i++) {
            if (Character.isUpperCase(h.charAt(i))) {
                return h.toLowerCase(Locale.ROOT);
            }
        }
        return h;
    }
}
