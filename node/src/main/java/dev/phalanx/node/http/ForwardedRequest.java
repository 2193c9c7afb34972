package dev.phalanx.node.http;

import dev.phalanx.node.routing.Route;
import dev.phalanx.node.upstream.Endpoint;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;

/**
 * The request as it goes upstream: who the client is (trusted-proxy aware), its request id, and the rewritten head
 * (origin-form target after {@code stripPrefix}, only the Upgrades the route allows ({@link UpgradeRules}),
 * forwarding headers and hop-by-hop removal by {@link ForwardingHeaders}, Content-Length in canonical form, then the
 * route's header edits and {@code hostRewrite}). The downstream request object
 * is edited in place and reused for every attempt.
 */
final class ForwardedRequest {
    private final HttpRequest request;
    private final ForwardingHeaders.Hop hop;
    private final InetAddress client;
    private final String requestId;
    private final int fields;
    /** Upgrade asked for ({@code Upgrade} + {@code Connection: upgrade}); after the head was prepared, allowed too. */
    private boolean upgrade;
    /** The protocols offered upstream in {@code Upgrade} (the route allows them), or null. */
    private String upgradeOffered;
    private final boolean idempotent;
    /** The client waits for {@code 100 Continue} before it sends its body ({@code Expect: 100-continue}). */
    private final boolean expectsContinue;
    /** No Host after the head was prepared (HTTP/1.0 with an origin-form target): the endpoint's goes up. */
    private boolean hostless;

    private ForwardedRequest(HttpRequest request, ForwardingHeaders.Hop hop, InetAddress client, String requestId) {
        this.request = request;
        this.hop = hop;
        this.client = client;
        this.requestId = requestId;
        this.fields = HeaderScan.of(request.headers());
        this.upgrade = HeaderScan.upgrade(fields);
        this.expectsContinue = (fields & HeaderScan.EXPECT) != 0 && HttpUtil.is100ContinueExpected(request);
        HttpMethod m = request.method();
        this.idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
                || m == HttpMethod.PUT || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    }

    /** Reads who the client is and settles the request id (kept when one well-formed id came, else new). */
    static ForwardedRequest of(ProxyContext context, HttpRequest request, ForwardingHeaders.Hop hop) {
        InetAddress client = ClientAddress.resolve(hop.address(), hop.trusted(), request.headers(),
                context.trustedProxies());
        return new ForwardedRequest(request, hop, client, RequestIds.settle(request.headers()));
    }

    /**
     * Rewrites the head for the upstream (once per exchange; retries reuse it).
     *
     * @param clientSubject the connection's verified mTLS client subject, or null
     */
    void prepareUpstreamHead(ProxyContext context, Route route, RequestTarget target, String clientSubject) {
        boolean addForwarded = route.spec().forwarded() != null ? route.spec().forwarded() : context.forwardedByDefault();
        if ((fields & HeaderScan.UPGRADE) != 0) {
            // only the protocols the route allows are offered upstream; h2c never (UpgradeRules)
            upgradeOffered = UpgradeRules.restrict(request.headers(), upgrade, route.spec().upgrades());
            upgrade = upgradeOffered != null;
        }
        // the id was settled in of(); the scan is of the head as it came, before anything below edits it
        ForwardingHeaders.applyHopHeaders(request, hop, client, addForwarded, upgrade, fields);
        HttpHeaders h = request.headers();
        if ((fields & HeaderScan.CONTENT_LENGTH) != 0) {
            canonicalContentLength(h);
        }
        if (expectsContinue) {
            h.remove(HttpHeaderNames.EXPECT); // the node answers it itself (ProxyExchange), as nginx and Envoy do
        }
        String certHeader = route.spec().clientCertHeader();
        if (certHeader != null) {
            // never believe a client-sent value: only the verified subject of this connection goes up
            h.remove(certHeader);
            if (clientSubject != null) {
                h.set(certHeader, clientSubject);
            }
        }
        route.requestHeaders().apply(h);
        if (route.hostRewrite() != null) {
            h.set(HttpHeaderNames.HOST, route.hostRewrite());
        } else if (!h.contains(HttpHeaderNames.HOST)) {
            if (target.host().isEmpty()) {
                hostless = true;
            } else {
                h.set(HttpHeaderNames.HOST, target.host());
            }
        }
        request.setUri(route.rewritePath(target.originForm()));
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    /**
     * Writes Content-Length as plain decimal digits without leading zeros ({@code 00043} goes up as {@code 43}), as
     * nginx does: a backend that read leading zeros another way (octal, or not at all) would frame the body
     * differently from the node. The validator let through only one value of 1 to 18 digits.
     */
    private static void canonicalContentLength(HttpHeaders h) {
        String value = h.get(HttpHeaderNames.CONTENT_LENGTH);
        if (value != null && value.length() > 1 && value.charAt(0) == '0') {
            h.set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(Long.parseLong(value)));
        }
    }

    /**
     * The head for an attempt on {@code endpoint}. A request that came without a Host (HTTP/1.0) gets the first
     * endpoint's address as its Host, and keeps it on retries.
     */
    HttpRequest upstreamHead(Endpoint endpoint) {
        if (hostless) {
            request.headers().set(HttpHeaderNames.HOST, endpoint.address());
            hostless = false;
        }
        return request;
    }

    /** {@code Expect: 100-continue} on an HTTP/1.1 (or HTTP/2) request. */
    boolean expectsContinue() {
        return expectsContinue;
    }

    String requestId() {
        return requestId;
    }

    InetAddress clientAddress() {
        return client;
    }

    /** Whether the client's connection stays open after this exchange, as it asked ({@code HttpUtil.isKeepAlive}). */
    boolean clientKeepAlive() {
        return HeaderScan.keepAlive(fields, request.protocolVersion());
    }

    /** The protocols offered upstream in {@code Upgrade}, or null. */
    String upgradeOffered() {
        return upgradeOffered;
    }

    boolean idempotent() {
        return idempotent;
    }
}
