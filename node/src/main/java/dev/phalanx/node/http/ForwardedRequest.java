package dev.phalanx.node.http;

import dev.phalanx.node.routing.Route;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The request as it goes upstream: who the client is (trusted-proxy aware), its request id, and the rewritten head
 * (origin-form target after {@code stripPrefix}, forwarding headers, hop-by-hop removal, the route's header edits,
 * upstream framing). The downstream request object is edited in place and reused for every attempt.
 */
final class ForwardedRequest {
    private final ProxyContext context;
    private final HttpRequest request;
    private final InetSocketAddress peer;
    private final InetAddress client;
    private final boolean peerTrusted;
    private final String requestId;
    private final boolean upgrade;
    private final boolean idempotent;

    private ForwardedRequest(ProxyContext context, HttpRequest request, InetSocketAddress peer, InetAddress client,
                             boolean peerTrusted, String requestId) {
        this.context = context;
        this.request = request;
        this.peer = peer;
        this.client = client;
        this.peerTrusted = peerTrusted;
        this.requestId = requestId;
        this.upgrade = isUpgradeRequest(request.headers());
        HttpMethod m = request.method();
        this.idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
                || m == HttpMethod.PUT || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    }

    static ForwardedRequest of(ProxyContext context, HttpRequest request, InetSocketAddress peer,
                               InetAddress proxiedSource) {
        InetAddress immediate = proxiedSource != null ? proxiedSource : peer.getAddress();
        boolean trusted = ClientAddress.isTrusted(immediate, context.trustedProxies());
        InetAddress client = ClientAddress.resolve(immediate, request.headers(), context.trustedProxies());
        String incoming = request.headers().get(RequestIds.HEADER);
        String id = incoming != null && RequestIds.isWellFormed(incoming) ? incoming : RequestIds.next();
        return new ForwardedRequest(context, request, peer, client, trusted, id);
    }

    /** Rewrites the head for the upstream (once per exchange; retries reuse it). */
    void prepareUpstreamHead(Route route, RequestTarget target) {
        HttpHeaders h = request.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        HopByHop.removeFromRequest(h, upgrade);
        String originalHost = h.get(HttpHeaderNames.HOST);
        if (originalHost == null) {
            originalHost = target.host();
        }
        boolean addForwarded = route.spec().forwarded() != null ? route.spec().forwarded() : context.forwardedByDefault();
        ForwardingHeaders.apply(h, new ForwardingHeaders.Context(client, peer.getAddress(), peerTrusted,
                context.scheme(), originalHost, requestId, addForwarded));
        route.requestHeaders().apply(h);
        if (route.hostRewrite() != null) {
            h.set(HttpHeaderNames.HOST, route.hostRewrite());
        } else if (!h.contains(HttpHeaderNames.HOST)) {
            h.set(HttpHeaderNames.HOST, target.host());
        }
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (upgrade) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        request.setUri(route.rewritePath(target.originForm()));
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    HttpRequest upstreamHead() {
        return request;
    }

    String requestId() {
        return requestId;
    }

    InetAddress clientAddress() {
        return client;
    }

    boolean isUpgrade() {
        return upgrade;
    }

    boolean idempotent() {
        return idempotent;
    }

    private static boolean isUpgradeRequest(HttpHeaders h) {
        return h.contains(HttpHeaderNames.UPGRADE)
                && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }
}
