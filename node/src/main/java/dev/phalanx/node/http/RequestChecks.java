package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The checks that need the parsed request head: version, method, request target, Host, and (again, in case the
 * raw guard is not in the pipeline) the framing headers. Rewrites an accepted absolute-form target
 * ({@code GET http://host/path}) to origin-form ({@code /path}) and fills in a missing HTTP/1.0 Host from it, so
 * that everything after the validator sees {@code /...} or {@code *} and one Host.
 */
final class RequestChecks {
    private RequestChecks() {
    }

    /** Null when the request may go on (possibly with its target rewritten), else why it may not. */
    static Rejection check(HttpRequest request) {
        HttpVersion version = request.protocolVersion();
        if (!version.protocolName().equals("HTTP") || version.majorVersion() != 1 || version.minorVersion() > 1) {
            return bad(request, "unsupported HTTP version: this listener speaks HTTP/1.0 and HTTP/1.1");
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            return new Rejection(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not supported",
                    Rejection.Source.VALIDATOR, requestId(request));
        }
        HttpHeaders headers = request.headers();
        RequestFields fields = RequestFields.of(headers);
        String framing = framingProblem(fields, version);
        if (framing != null) {
            return bad(request, framing);
        }
        if (fields.hosts > 1) {
            return bad(request, "more than one Host");
        }
        String host = fields.host;
        if (host == null && version.minorVersion() == 1) {
            return bad(request, "missing Host");
        }
        if (host != null && !isValidAuthority(host)) {
            return bad(request, "invalid Host");
        }
        return checkTarget(request, host);
    }

    private static Rejection checkTarget(HttpRequest request, String host) {
        String uri = request.uri();
        if (uri.equals("*")) {
            return HttpMethod.OPTIONS.equals(request.method()) ? null
                    : bad(request, "the request target * is only allowed with OPTIONS");
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '#') {
                return bad(request, "a fragment (#) in the request target");
            }
            if (c <= 0x20 || c >= 0x7F) {
                return bad(request, "invalid character in the request target");
            }
        }
        if (uri.startsWith("/")) {
            return null;
        }
        boolean https = uri.regionMatches(true, 0, "https://", 0, 8);
        if (!https && !uri.regionMatches(true, 0, "http://", 0, 7)) {
            return bad(request, "the request target must start with / or be an absolute http(s) URI");
        }
        int start = https ? 8 : 7;
        int end = start;
        while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
            end++;
        }
        String authority = uri.substring(start, end);
        if (!isValidAuthority(authority)) {
            return bad(request, "invalid authority in the request target");
        }
        if (host == null) {
            request.headers().set(HttpHeaderNames.HOST, authority);
        } else if (!normalize(authority, https).equals(normalize(host, https))) {
            return bad(request, "Host does not match the authority of the request target");
        }
        request.setUri(end == uri.length() ? "/" : uri.charAt(end) == '?' ? "/" + uri.substring(end)
                : uri.substring(end));
        return null;
    }

    /** Framing headers in a form the raw guard lets through: one chunked, or one decimal length, never both. */
    private static String framingProblem(RequestFields fields, HttpVersion version) {
        if (fields.transferEncodings > 0) {
            if (fields.transferEncodings > 1
                    || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(fields.transferEncoding.trim())) {
                return "Transfer-Encoding other than a single chunked";
            }
            if (fields.contentLengths > 0) {
                return "both Content-Length and Transfer-Encoding";
            }
            if (version.minorVersion() != 1) {
                return "Transfer-Encoding is only allowed on HTTP/1.1";
            }
        }
        if (fields.contentLengths > 1) {
            return "more than one Content-Length";
        }
        if (fields.contentLengths == 1 && !isDigits(fields.contentLength)) {
            return "Content-Length is not a number";
        }
        if (fields.webSocketKey1) {
            return "Sec-WebSocket-Key1 (hixie-76 WebSocket) is not supported";
        }
        return null;
    }

    /** host [":" port] with host a reg-name, an IPv4 address or a bracketed IPv6 address; port 0-65535. */
    static boolean isValidAuthority(String authority) {
        int n = authority.length();
        if (n == 0) {
            return false;
        }
        int hostEnd;
        if (authority.charAt(0) == '[') {
            hostEnd = authority.indexOf(']');
            if (hostEnd < 2) {
                return false;
            }
            for (int i = 1; i < hostEnd; i++) {
                char c = authority.charAt(i);
                if (!(c == ':' || c == '.' || c >= '0' && c <= '9' || (c | 0x20) >= 'a' && (c | 0x20) <= 'f')) {
                    return false;
                }
            }
            hostEnd++;
        } else {
            hostEnd = 0;
            while (hostEnd < n && authority.charAt(hostEnd) != ':') {
                char c = authority.charAt(hostEnd);
                if (!HttpChars.isRegName(c)) {
                    return false;
                }
                hostEnd++;
            }
            if (hostEnd == 0) {
                return false;
            }
        }
        if (hostEnd == n) {
            return true;
        }
        if (authority.charAt(hostEnd) != ':') {
            return false;
        }
        // the port is parsed in place: this runs on every request, a substring would allocate
        int digits = n - hostEnd - 1;
        if (digits < 1 || digits > 5) {
            return false;
        }
        int port = 0;
        for (int i = hostEnd + 1; i < n; i++) {
            char c = authority.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    private static String normalize(String authority, boolean https) {
        String lower = authority.toLowerCase(java.util.Locale.ROOT);
        String defaultPort = https ? ":443" : ":80";
        return lower.endsWith(defaultPort) ? lower.substring(0, lower.length() - defaultPort.length()) : lower;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The incoming X-Request-Id when well-formed, else a new one. */
    static String requestId(HttpRequest request) {
        String incoming = request.headers().get(HeaderNames.X_REQUEST_ID);
        return RequestIds.isWellFormed(incoming) ? incoming : RequestIds.next();
    }

    private static Rejection bad(HttpRequest request, String reason) {
        return new Rejection(HttpResponseStatus.BAD_REQUEST, reason, Rejection.Source.VALIDATOR, requestId(request));
    }
}
