package dev.phalanx.node.compression;

import io.netty.util.AsciiString;

/** The content codings the node negotiates (RFC 9110 section 8.4.1), with their {@code Content-Encoding} tokens. */
public enum ContentCoding {
    GZIP("gzip"),
    BR("br"),
    ZSTD("zstd"),
    IDENTITY("identity");

    private final String token;
    private final AsciiString header;

    ContentCoding(String token) {
        this.token = token;
        this.header = AsciiString.cached(token);
    }

    /** The token as written in {@code Accept-Encoding} and {@code Content-Encoding}. */
    public String token() {
        return token;
    }

    /** The token as a header value. */
    public AsciiString header() {
        return header;
    }

    /** The coding named by a config token ({@code gzip}, {@code br}, {@code zstd}, {@code identity}). */
    public static ContentCoding of(String token) {
        for (ContentCoding c : values()) {
            if (c.token.equals(token)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no content coding " + token);
    }
}
