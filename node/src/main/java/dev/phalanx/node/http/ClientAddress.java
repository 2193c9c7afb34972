package dev.phalanx.node.http;

import dev.phalanx.cluster.model.Cidr;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Which address a request comes from, for X-Real-IP, ip-hash balancing and client-ip rate limits.
 *
 * <p>The <em>hop</em> is the address the proxy received the request from: the PROXY protocol source when the
 * listener decoded one (the listener accepts PROXY only from trusted peers), else the TCP peer. When the hop is
 * not a trusted proxy, the hop is the client and X-Forwarded-For is ignored. When it is trusted, X-Forwarded-For
 * is walked from the right (nearest hop first), skipping trusted proxies: the first untrusted address is the
 * client, as with nginx {@code real_ip_recursive on}. If every listed address is trusted the left-most one is the
 * client; an entry that is not an IP address stops the walk at the last good one (the trusted proxy that
 * appended the garbage is believed, nothing left of it). Only X-Forwarded-For is read, never {@code Forwarded}.
 */
public final class ClientAddress {
    private ClientAddress() {
    }

    /** The address the request came from: the PROXY protocol source if any, else the TCP peer. */
    public static InetAddress hop(InetSocketAddress peer, InetSocketAddress proxySource) {
        return proxySource != null ? proxySource.getAddress() : peer.getAddress();
    }

    public static boolean isTrusted(InetAddress address, List<Cidr> trusted) {
        for (int i = 0; i < trusted.size(); i++) {
            if (trusted.get(i).contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param peer        the TCP peer of the downstream connection
     * @param proxySource the source address from the PROXY protocol header, or null
     * @param headers     the request headers (X-Forwarded-For is read)
     * @param trusted     {@code trustedProxies}
     */
    public static InetAddress resolve(InetSocketAddress peer, InetSocketAddress proxySource, HttpHeaders headers,
                                      List<Cidr> trusted) {
        InetAddress hop = hop(peer, proxySource);
        return resolve(hop, isTrusted(hop, trusted), headers, trusted);
    }

    /** As above, with the hop and its trust already known (see {@link ForwardingHeaders.Hop}). */
    public static InetAddress resolve(InetAddress hop, boolean hopTrusted, HttpHeaders headers, List<Cidr> trusted) {
        if (!hopTrusted) {
            return hop;
        }
        List<String> values = headers.getAll(HeaderNames.X_FORWARDED_FOR);
        InetAddress candidate = hop;
        for (int v = values.size() - 1; v >= 0; v--) {
            String value = values.get(v);
            int end = value.length();
            while (end >= 0) {
                int comma = value.lastIndexOf(',', end - 1);
                InetAddress address = parseLiteral(value, comma + 1, end);
                if (address == null) {
                    return candidate;
                }
                if (!isTrusted(address, trusted)) {
                    return address;
                }
                candidate = address;
                end = comma;
            }
        }
        return candidate;
    }

    /**
     * An IP literal from {@code s[from, to)}, trimmed: {@code 192.0.2.1}, {@code 192.0.2.1:8080}, {@code 2001:db8::1},
     * {@code [2001:db8::1]} or {@code [2001:db8::1]:8080}; null for anything else (host names are never looked up).
     */
    static InetAddress parseLiteral(String s, int from, int to) {
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        if (to - from < 2 || to - from > 64) {
            return null;
        }
        String text;
        if (s.charAt(from) == '[') {
            int close = s.indexOf(']', from);
            if (close < 0 || close >= to || close + 1 < to && !isPort(s, close + 1, to)) {
                return null;
            }
            text = s.substring(from + 1, close);
            if (text.indexOf(':') < 0) {
                return null;
            }
        } else {
            int colon = s.indexOf(':', from);
            boolean v4WithPort = colon > 0 && colon < to && s.lastIndexOf(':', to - 1) == colon
                    && s.indexOf('.', from) > 0 && s.indexOf('.', from) < colon;
            if (v4WithPort && !isPort(s, colon, to)) {
                return null;
            }
            text = s.substring(from, v4WithPort ? colon : to);
        }
        return NetUtil.createInetAddressFromIpAddressString(text);
    }

    /** {@code ":" 1*5DIGIT} at {@code s[at, to)}. */
    private static boolean isPort(String s, int at, int to) {
        if (s.charAt(at) != ':' || to - at < 2 || to - at > 6) {
            return false;
        }
        for (int i = at + 1; i < to; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
