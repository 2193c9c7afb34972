package dev.phalanx.node.compression;

import dev.phalanx.cluster.model.CompressionSpec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A route's compression rules, compiled from its {@link CompressionSpec}: decides from the request and the upstream
 * response head whether the body is compressed downstream, and with which coding. Not compressed: when the route
 * turned compression off; {@code HEAD}; 1xx, 204, 206 and 304 responses or any with {@code Content-Range}; bodies
 * already encoded ({@code Content-Encoding} other than {@code identity}); {@code Cache-Control: no-transform} on the
 * response or the request; a declared {@code Content-Length} below {@code minLength}; media types not listed.
 * Immutable, shared by every event loop.
 */
public final class CompressionPolicy {
    /** A route that never compresses. */
    public static final CompressionPolicy OFF = new CompressionPolicy(CompressionSpec.OFF);

    private final CompressionSpec spec;
    private final List<ContentCoding> offered;
    private final MediaTypes types;

    private CompressionPolicy(CompressionSpec spec) {
        this.spec = spec;
        List<ContentCoding> codings = new ArrayList<>();
        for (String e : spec.encodings()) {
            ContentCoding c = ContentCoding.of(e);
            if (BodyEncoder.available(c)) {
                codings.add(c);
            }
        }
        this.offered = List.copyOf(codings);
        this.types = MediaTypes.of(spec.types());
    }

    public static CompressionPolicy of(CompressionSpec spec) {
        return spec.enabled() ? new CompressionPolicy(spec) : OFF;
    }

    public CompressionSpec spec() {
        return spec;
    }

    /**
     * @return null when the response is not a candidate at all (its body stays as it is and no {@code Vary} is
     *     added); {@link ContentCoding#IDENTITY} when it is a candidate but the request accepts none of the route's
     *     codings (or is a {@code HEAD}): then only {@code Vary: Accept-Encoding} is added; else the coding to use
     */
    public ContentCoding decide(HttpMethod method, HttpHeaders request, HttpResponse response) {
        if (!spec.enabled() || offered.isEmpty()) {
            return null;
        }
        int code = response.status().code();
        if (code < 200 || code == 204 || code == 206 || code == 304) {
            return null;
        }
        HttpHeaders h = response.headers();
        String encoding = h.get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !encoding.trim().equalsIgnoreCase("identity")) {
            return null;
        }
        if (h.contains(HttpHeaderNames.CONTENT_RANGE)
                || h.containsValue(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_TRANSFORM, true)
                || request.containsValue(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_TRANSFORM, true)) {
            return null;
        }
        String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && declaredBelow(length, spec.minLength())) {
            return null;
        }
        if (!types.matches(h.get(HttpHeaderNames.CONTENT_TYPE))) {
            return null;
        }
        if (HttpMethod.HEAD.equals(method)) {
            return ContentCoding.IDENTITY;
        }
        return AcceptEncoding.pick(request.getAll(HttpHeaderNames.ACCEPT_ENCODING), offered);
    }

    /** The level the route set for {@code coding}. */
    public int level(ContentCoding coding) {
        return switch (coding) {
            case GZIP -> spec.gzipLevel();
            case BR -> spec.brLevel();
            case ZSTD -> spec.zstdLevel();
            case IDENTITY -> 0;
        };
    }

    private static boolean declaredBelow(String length, long min) {
        try {
            return Long.parseLong(length.trim()) < min;
        } catch (NumberFormatException e) {
            return true; // a malformed length: leave the body alone
        }
    }
}
