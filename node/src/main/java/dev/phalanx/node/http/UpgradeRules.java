package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Locale;

/**
 * Which protocol switches a request may make through the proxy. Only the protocols its route lists in
 * {@code upgrades} (default: {@code websocket}) are offered to the upstream; the other {@code Upgrade} tokens are
 * dropped, and a request left with none goes up as a plain request ({@code Upgrade} and the {@code Connection}
 * tokens removed as hop-by-hop). {@code h2c} and {@code h2} never pass, whatever the route says (the config refuses
 * them too): an upstream that switched to HTTP/2 behind a tunnel would serve requests that no route, limit or header
 * rule of the node ever saw ("h2c smuggling"). {@code HTTP2-Settings} is always removed. A 101 is tunnelled only
 * when its {@code Upgrade} names one of the protocols offered ({@link #accepted}).
 */
final class UpgradeRules {
    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");
    private static final List<String> NEVER = List.of("h2c", "h2");

    private UpgradeRules() {
    }

    /**
     * Keeps in {@code Upgrade} only the protocols {@code allowed} lists (lower-case names). Call only for a request
     * with an {@code Upgrade} field, before the hop-by-hop fields are removed.
     *
     * @param upgrade the request asks for an Upgrade ({@code Upgrade} and {@code Connection: upgrade})
     * @return the value now in {@code Upgrade} (the protocols offered upstream), or null when none is: then the
     *     request goes up without an Upgrade
     */
    static String restrict(HttpHeaders headers, boolean upgrade, List<String> allowed) {
        headers.remove(HTTP2_SETTINGS);
        if (!upgrade) {
            return null;
        }
        StringBuilder kept = null;
        for (String value : headers.getAll(HttpHeaderNames.UPGRADE)) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String token = value.substring(start, end).trim();
                if (!token.isEmpty() && allowed(token, allowed)) {
                    kept = kept == null ? new StringBuilder(token) : kept.append(", ").append(token);
                }
                start = end + 1;
            }
        }
        if (kept == null) {
            return null;
        }
        String offered = kept.toString();
        headers.set(HttpHeaderNames.UPGRADE, offered);
        return offered;
    }

    /** Whether a 101's {@code Upgrade} field names one of the protocols {@code offered} (as {@link #restrict} gave). */
    static boolean accepted(HttpHeaders responseHeaders, String offered) {
        if (offered == null) {
            return false;
        }
        String chosen = responseHeaders.get(HttpHeaderNames.UPGRADE);
        if (chosen == null || chosen.indexOf(',') >= 0) {
            return false; // a 101 switches to exactly one protocol
        }
        String name = name(chosen.trim());
        if (NEVER.contains(name)) {
            return false;
        }
        int start = 0;
        while (start <= offered.length()) {
            int comma = offered.indexOf(',', start);
            int end = comma < 0 ? offered.length() : comma;
            if (name(offered.substring(start, end).trim()).equals(name)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    private static boolean allowed(String token, List<String> allowed) {
        String name = name(token);
        return !NEVER.contains(name) && allowed.contains(name);
    }

    /** The protocol name of an upgrade token ({@code websocket} of {@code WebSocket/13}), lower-cased. */
    private static String name(String token) {
        int slash = token.indexOf('/');
        return (slash < 0 ? token : token.substring(0, slash)).toLowerCase(Locale.ROOT);
    }
}
