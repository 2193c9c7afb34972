package dev.phalanx.node.http;

import io.netty.util.AsciiString;

/** Header names Netty's {@code HttpHeaderNames} does not have. */
final class HeaderNames {
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private HeaderNames() {
    }
}
