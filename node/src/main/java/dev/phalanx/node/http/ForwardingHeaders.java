package dev.phalanx.node.http;

import dev.phalanx.cluster.model.Cidr;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The header hygiene applied to every request before it goes upstream
 * (docs/contract.md#what-the-proxy-does-to-every-request), in this order:
 * <ol>
 *   <li>hop-by-hop fields are removed first ({@link HopByHopHeaders}), so that a {@code Connection} token can
 *       never remove a field written below; a chunked request stays marked chunked;</li>
 *   <li>{@code X-Forwarded-For}: the hop's address is appended when the hop is a trusted proxy, otherwise it
 *       replaces whatever came;</li>
 *   <li>{@code X-Real-IP}: the client address ({@link ClientAddress}), always overwritten;</li>
 *   <li>{@code X-Forwarded-Proto} and {@code X-Forwarded-Host}: kept when the hop is trusted and sent them,
 *       otherwise set from the connection's scheme and the request's Host;</li>
 *   <li>{@code Forwarded} (RFC 7239): dropped when the hop is untrusted; when the route asks for it, an element
 *       {@code for=...;host=...;proto=...} is appended (trusted hop) or written fresh; IPv6 as
 *       {@code for="[2001:db8::1]"};</li>
 *   <li>{@code X-Request-Id}: one well-formed incoming id ({@link RequestIds#isWellFormed}) is kept, otherwise a new
 *       one replaces it.</li>
 * </ol>
 * Host passes through; apply {@code hostRewrite} after this.
 */
public final class ForwardingHeaders {
    /**
     * The connection-constant facts, built once per downstream connection.
     *
     * @param address the hop ({@link ClientAddress#hop}): PROXY protocol source or TCP peer
     * @param trusted whether the hop is in {@code trustedProxies}
     * @param scheme  {@code http} or {@code https} (TLS listener)
     * @param text    the address as written in X-Forwarded-For (RFC 5952 text for IPv6), computed once
     */
    public record Hop(InetAddress address, boolean trusted, String scheme, String text) {
        public Hop(InetAddress address, boolean trusted, String scheme) {
            this(address, trusted, scheme, NetUtil.toAddressString(address));
        }

        public static Hop of(InetSocketAddress peer, InetSocketAddress proxySource, List<Cidr> trustedProxies,
                             boolean tls) {
            InetAddress hop = ClientAddress.hop(peer, proxySource);
            return new Hop(hop, ClientAddress.isTrusted(hop, trustedProxies), tls ? "https" : "http");
        }
    }

    private ForwardingHeaders() {
    }

    /**
     * Rewrites {@code request}'s headers for the upstream hop.
     *
     * @param client       the client address ({@link ClientAddress#resolve}), for X-Real-IP
     * @param addForwarded write an RFC 7239 {@code Forwarded} element (per route or global setting)
     * @param upgrade      the request is an Upgrade that will be tunnelled: keep {@code Upgrade} and
     *                     {@code Connection: upgrade}
     * @return the request id now in {@code X-Request-Id}, for logs and error responses
     */
    public static String apply(HttpRequest request, Hop hop, InetAddress client, boolean addForwarded,
                               boolean upgrade) {
        applyHopHeaders(request, hop, client, addForwarded, upgrade, HeaderScan.of(request.headers()));
        return RequestIds.settle(request.headers());
    }

    /**
     * Everything {@link #apply} does except {@code X-Request-Id}: for a caller that settled the id earlier (the proxy
     * needs it before routing, for its own error responses) with {@link RequestIds#settle}.
     *
     * @param fields the request's {@link HeaderScan}, made before anything edited it
     */
    static void applyHopHeaders(HttpRequest request, Hop hop, InetAddress client, boolean addForwarded,
                                boolean upgrade, int fields) {
        HttpHeaders headers = request.headers();
        HopByHopHeaders.remove(request, upgrade, fields);
        String host = headers.get(HttpHeaderNames.HOST);
        String hopText = hop.text();

        String forwardedFor = hop.trusted() ? joined(headers, HeaderNames.X_FORWARDED_FOR) : null;
        headers.set(HeaderNames.X_FORWARDED_FOR, forwardedFor == null ? hopText : forwardedFor + ", " + hopText);
        // the hop's text is computed once per connection; most requests' client is the hop itself
        headers.set(HeaderNames.X_REAL_IP, client.equals(hop.address()) ? hopText : NetUtil.toAddressString(client));
        if (!hop.trusted() || !headers.contains(HeaderNames.X_FORWARDED_PROTO)) {
            headers.set(HeaderNames.X_FORWARDED_PROTO, hop.scheme());
        }
        if (!hop.trusted() || !headers.contains(HeaderNames.X_FORWARDED_HOST)) {
            if (host != null) {
                headers.set(HeaderNames.X_FORWARDED_HOST, host);
            } else {
                headers.remove(HeaderNames.X_FORWARDED_HOST);
            }
        }
        if (!hop.trusted()) {
            headers.remove(HeaderNames.FORWARDED);
        }
        if (addForwarded) {
            String element = forwardedElement(hop, host);
            String incoming = joined(headers, HeaderNames.FORWARDED);
            headers.set(HeaderNames.FORWARDED, incoming == null ? element : incoming + ", " + element);
        }
    }

    /** {@code for=192.0.2.1;host=example.com;proto=https}, with quoting where RFC 7239 needs it. */
    static String forwardedElement(Hop hop, String host) {
        StringBuilder sb = new StringBuilder(64).append("for=");
        if (hop.address() instanceof Inet6Address) {
            sb.append("\"[").append(hop.text()).append("]\"");
        } else {
            sb.append(hop.text());
        }
        if (host != null) {
            sb.append(";host=");
            appendTokenOrQuoted(sb, host);
        }
        return sb.append(";proto=").append(hop.scheme()).toString();
    }

    private static void appendTokenOrQuoted(StringBuilder sb, String value) {
        boolean token = !value.isEmpty();
        for (int i = 0; i < value.length() && token; i++) {
            char c = value.charAt(i);
            token = c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
        }
        if (token) {
            sb.append(value);
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    /** All values of a possibly repeated list field joined with ", ", or null when absent. */
    private static String joined(HttpHeaders headers, CharSequence name) {
        List<String> values = headers.getAll(name);
        if (values.isEmpty()) {
            return null;
        }
        String joined = values.size() == 1 ? values.get(0) : String.join(", ", values);
        return joined.isBlank() ? null : joined;
    }
}
