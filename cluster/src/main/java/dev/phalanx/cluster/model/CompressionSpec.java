package dev.phalanx.cluster.model;

import java.util.List;

/**
 * Response compression of a route (docs/compression.md). When {@code enabled}, a response is compressed on the way
 * downstream with the first of {@code encodings} (the node's preference, names {@code zstd}, {@code br},
 * {@code gzip}) that the request's {@code Accept-Encoding} accepts, if its media type matches one of {@code types}
 * ({@code type/subtype}, {@code type/*} or {@code *}{@code /*+suffix}, lower-case, without parameters), it is not
 * already encoded, and its declared length is at least {@code minLength}. Levels per coding: gzip 1-9, br 0-11,
 * zstd 1-22. Never null on a {@link RouteSpec} ({@link #DEFAULT} when the route says nothing).
 */
public record CompressionSpec(boolean enabled, List<String> encodings, int gzipLevel, int brLevel, int zstdLevel,
                              long minLength, List<String> types) {
    /** The codings the node can produce, in the default order of preference. */
    public static final List<String> ENCODINGS = List.of("zstd", "br", "gzip");
    public static final int DEFAULT_GZIP_LEVEL = 5;
    public static final int DEFAULT_BR_LEVEL = 4;
    public static final int DEFAULT_ZSTD_LEVEL = 3;
    /** Bodies declared shorter than this many bytes stay as they are (compression would hardly shrink them). */
    public static final long DEFAULT_MIN_LENGTH = 1024;
    /** The usual text types: HTML, CSS, JavaScript, JSON, XML, plain text, SVG and the {@code +json}/{@code +xml} family. */
    public static final List<String> DEFAULT_TYPES = List.of("text/html", "text/css", "text/plain", "text/xml",
            "text/javascript", "text/markdown", "text/csv", "application/javascript", "application/json",
            "application/xml", "application/xhtml+xml", "application/rss+xml", "application/atom+xml",
            "application/manifest+json", "application/wasm", "image/svg+xml", "image/x-icon", "font/ttf", "font/otf",
            "*/*+json", "*/*+xml");

    public static final CompressionSpec DEFAULT = new CompressionSpec(true, ENCODINGS, DEFAULT_GZIP_LEVEL,
            DEFAULT_BR_LEVEL, DEFAULT_ZSTD_LEVEL, DEFAULT_MIN_LENGTH, DEFAULT_TYPES);

    /** Compression turned off for the route. */
    public static final CompressionSpec OFF = new CompressionSpec(false, ENCODINGS, DEFAULT_GZIP_LEVEL,
            DEFAULT_BR_LEVEL, DEFAULT_ZSTD_LEVEL, DEFAULT_MIN_LENGTH, DEFAULT_TYPES);

    public CompressionSpec {
        encodings = List.copyOf(encodings);
        types = List.copyOf(types);
    }
}
