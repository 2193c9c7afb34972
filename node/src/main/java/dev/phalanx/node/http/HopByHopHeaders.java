package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import java.util.List;

/**
 * Hop-by-hop header removal (RFC 9110 7.6.1), for requests going upstream and responses going downstream:
 * {@code Connection} and every field it names, {@code Keep-Alive}, {@code Proxy-Connection}, {@code TE},
 * {@code Transfer-Encoding} and {@code Upgrade}. A {@code Connection} token naming {@code Host} or
 * {@code Content-Length} is ignored: those carry the request's meaning and framing, not the hop's.
 */
public final class HopByHopHeaders {
    private HopByHopHeaders() {
    }

    /**
     * Removes the hop-by-hop fields and keeps the message's framing: a message that was chunked is marked chunked
     * again, so Netty's encoder re-frames its body on the next hop.
     *
     * @param keepUpgrade the message is an {@code Upgrade} request (or its 101 response) being tunnelled: keep
     *                    {@code Upgrade} and send {@code Connection: upgrade}
     * @param fields      the message's {@link HeaderScan}, made before anything edited it
     */
    static void remove(HttpMessage message, boolean keepUpgrade, int fields) {
        removeHopByHop(message.headers(), keepUpgrade, fields);
        if ((fields & HeaderScan.CHUNKED) != 0) {
            message.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            message.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /**
     * Removes the hop-by-hop fields from {@code headers}. {@code Transfer-Encoding} goes too: the caller frames the
     * body for the next hop (or use {@link #remove(HttpMessage, boolean, int)}).
     */
    public static void removeHopByHop(HttpHeaders headers, boolean keepUpgrade) {
        removeHopByHop(headers, keepUpgrade, HeaderScan.of(headers));
    }

    /**
     * {@link #removeHopByHop(HttpHeaders, boolean)} with the fields' {@link HeaderScan} already made: only the
     * fields that are there are looked up, and most messages have none.
     */
    static void removeHopByHop(HttpHeaders headers, boolean keepUpgrade, int fields) {
        if ((fields & HeaderScan.HOP_FIELDS) == 0) {
            return;
        }
        if ((fields & HeaderScan.TOKEN_OTHER) != 0) {
            removeNamedByConnection(headers, keepUpgrade);
        }
        if ((fields & HeaderScan.CONNECTION) != 0) {
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        if ((fields & HeaderScan.KEEP_ALIVE) != 0) {
            headers.remove(HttpHeaderNames.KEEP_ALIVE);
        }
        if ((fields & HeaderScan.PROXY_CONNECTION) != 0) {
            headers.remove(HeaderNames.PROXY_CONNECTION);
        }
        if ((fields & HeaderScan.TE) != 0) {
            headers.remove(HttpHeaderNames.TE);
        }
        if ((fields & HeaderScan.TRANSFER_ENCODING) != 0) {
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        }
        if ((fields & HeaderScan.UPGRADE) != 0) {
            if (keepUpgrade && headers.contains(HttpHeaderNames.UPGRADE)) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            } else {
                headers.remove(HttpHeaderNames.UPGRADE);
            }
        }
    }

    /** Removes every field a {@code Connection} token names, except those {@link #isProtected} keeps. */
    private static void removeNamedByConnection(HttpHeaders headers, boolean keepUpgrade) {
        List<String> connection = headers.getAll(HttpHeaderNames.CONNECTION);
        for (int i = 0; i < connection.size(); i++) {
            String value = connection.get(i);
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String token = value.substring(start, end).trim();
                if (!token.isEmpty() && !isProtected(token, keepUpgrade)) {
                    headers.remove(token);
                }
                start = end + 1;
            }
        }
    }

    private static boolean isProtected(String token, boolean keepUpgrade) {
        return HttpHeaderNames.HOST.contentEqualsIgnoreCase(token)
                || HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(token)
                || keepUpgrade && HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(token);
    }
}
