package dev.phalanx.node.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The cache key (RFC 9111 §4.1, docs/cache.md#the-key): the absolute URL, {@code scheme://host[:port]/path[?query]}
 * with the host in lower case and the scheme's default port left out (the form {@link Purge} uses), and for a URL
 * whose responses vary, the values of the request fields that select the variant. Index keys are
 * {@code url + SEP} for the object or the {@link VaryMarker}, and {@code url + SEP + generation + SEP + values} for a
 * variant, so a purge by URL finds every key that starts with {@code url + SEP}.
 */
public final class CacheKeys {
    static final char SEP = '\u0000';

    private CacheKeys() {
    }

    /** The URL of a request as the cache and purges name it. */
    public static String url(String scheme, String host, String originForm) {
        String h = host.toLowerCase(Locale.ROOT);
        if (scheme.equals("http") && h.endsWith(":80")) {
            h = h.substring(0, h.length() - 3);
        } else if (scheme.equals("https") && h.endsWith(":443")) {
            h = h.substring(0, h.length() - 4);
        }
        return scheme + "://" + h + originForm;
    }

    static String base(String url) {
        return url + SEP;
    }

    static String variant(String url, VaryMarker marker, HttpHeaders request) {
        StringBuilder sb = new StringBuilder(url.length() + 64).append(url).append(SEP).append(marker.generation())
                .append(SEP);
        for (String name : marker.headers()) {
            sb.append(name).append('=');
            List<String> values = request.getAll(name);
            for (int i = 0; i < values.size(); i++) {
                String v = normalize(values.get(i));
                // language tags are case-insensitive (RFC 5646 §2.1.1)
                sb.append(i == 0 ? "" : ", ").append(name.equals("accept-language") ? v.toLowerCase(Locale.ROOT) : v);
            }
            sb.append('\n');
        }
        for (String cookie : marker.cookies()) {
            String v = cookie(request, cookie);
            sb.append("cookie:").append(cookie).append('=').append(v == null ? "\u0001" : v).append('\n');
        }
        return sb.toString();
    }

    /** Whitespace around list items does not make another variant (§4.1 allows normalizing). */
    private static String normalize(String v) {
        if (v.indexOf(',') < 0) {
            return v.trim();
        }
        StringBuilder sb = new StringBuilder(v.length());
        for (String part : v.split(",")) {
            String p = part.trim();
            if (!p.isEmpty()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(p);
            }
        }
        return sb.toString();
    }

    /** The names in {@code Vary} (lower case, sorted, once each) plus {@code extra}; null when {@code Vary} has *. */
    public static List<String> varyNames(HttpHeaders response, List<String> extra) {
        TreeSet<String> names = new TreeSet<>(extra);
        for (String line : response.getAll(HttpHeaderNames.VARY)) {
            for (String token : line.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                if (t.equals("*")) {
                    return null;
                }
                if (!t.isEmpty()) {
                    names.add(t);
                }
            }
        }
        return new ArrayList<>(names);
    }

    static String cookie(HttpHeaders request, String name) {
        for (String line : request.getAll(HttpHeaderNames.COOKIE)) {
            for (String pair : line.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
                    return pair.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }
}
