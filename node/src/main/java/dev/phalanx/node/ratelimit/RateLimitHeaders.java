package dev.phalanx.node.ratelimit;

import io.netty.util.AsciiString;

/** Header names and the policy value of draft-ietf-httpapi-ratelimit-headers. */
final class RateLimitHeaders {
    static final AsciiString POLICY = AsciiString.cached("ratelimit-policy");
    static final AsciiString RATE_LIMIT = AsciiString.cached("ratelimit");
    static final AsciiString RETRY_AFTER = AsciiString.cached("retry-after");

    private RateLimitHeaders() {
    }

    /** The policy name as a structured-field string: {@code "route-id"}. */
    static String name(String routeId) {
        StringBuilder sb = new StringBuilder(routeId.length() + 2).append('"');
        for (int i = 0; i < routeId.length(); i++) {
            char c = routeId.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** {@code "route";q=LIMIT;w=SECONDS} (a window under a second is announced as 1 s). */
    static String policy(String name, long limit, long windowMillis) {
        return name + ";q=" + limit + ";w=" + ceilSeconds(windowMillis);
    }

    static int ceilSeconds(long millis) {
        return (int) Math.max(1, (millis + 999) / 1000);
    }
}
