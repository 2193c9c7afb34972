package dev.phalanx.node.balancing;

import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;

/** What a balancer may look at to pick an endpoint for one request attempt. Implemented by the proxy exchange. */
public interface PickContext {
    /** The downstream client's address (after trusted PROXY / X-Forwarded-For resolution). */
    InetAddress clientAddress();

    /** A request header value (name in lower case), or null. */
    String header(String name);

    /** A request cookie value, or null. */
    String cookie(String name);

    /** The request path (no query string), as received. */
    String path();

    /** True for endpoints this request already tried (retries go elsewhere when possible). */
    boolean alreadyTried(Endpoint endpoint);
}
