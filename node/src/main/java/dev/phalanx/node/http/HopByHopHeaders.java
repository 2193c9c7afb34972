package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpUtil;
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
     */
    public static void remove(HttpMessage message, boolean keepUpgrade) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(message);
        removeHopByHop(message.headers(), keepUpgrade);
        if (chunked) {
            message.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
            message.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /**
     * Removes the hop-by-hop fields from {@code headers}. {@code Transfer-Encoding} goes too: the caller frames the
     * body for the next hop (or use {@link #remove(HttpMessage, boolean)}).
     */
    public static void removeHopByHop(HttpHeaders headers, boolean keepUpgrade) {
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
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(HeaderNames.PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (keepUpgrade && headers.contains(HttpHeaderNames.UPGRADE)) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
    }

    private static boolean isProtected(String token, boolean keepUpgrade) {
        return HttpHeaderNames.HOST.contentEqualsIgnoreCase(token)
                || HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(token)
                || keepUpgrade && HttpHeaderNames.UPGRADE.contentEqualsIgnoreCase(token);
    }
}
