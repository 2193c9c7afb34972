package dev.phalanx.node.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * A trailers factory for the HTTP/1.1 decoders: Netty's decoder gives every message's last content its own trailer
 * headers, made with room for 16 fields, though almost no message has trailers. These are made with room for 2
 * (they still grow). One less 16-slot array per request and per response: fewer young collections.
 */
public final class CompactTrailers implements HttpHeadersFactory {
    private final HttpHeadersFactory base;

    /** @param base the factory whose validation the trailers keep */
    public CompactTrailers(HttpHeadersFactory base) {
        this.base = base;
    }

    @Override
    public HttpHeaders newHeaders() {
        return base.newEmptyHeaders();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
        return base.newEmptyHeaders();
    }
}
