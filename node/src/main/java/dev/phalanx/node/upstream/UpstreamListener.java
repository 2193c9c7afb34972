package dev.phalanx.node.upstream;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * How an upstream connection reports to whoever uses it (the proxy exchange). {@code upstream} owns this interface
 * so that it never depends on {@code http}. All calls come on the connection's event loop, which is also the
 * downstream connection's.
 */
public interface UpstreamListener {
    /** The connection is ready (fresh or from the pool); the request may be written. */
    void onConnected(UpstreamConnection connection);

    /** A response head (1xx interim heads included). */
    void onResponseHead(UpstreamConnection connection, HttpResponse response);

    /** A piece of response body; ownership passes to the listener. {@code last} marks the end of the response. */
    void onResponseContent(UpstreamConnection connection, HttpContent content, boolean last);

    /** A socket read finished: a good moment to flush what was relayed and ask for more. */
    void onReadComplete(UpstreamConnection connection);

    /** The connection became writable again (request body may flow). */
    void onWritable(UpstreamConnection connection);

    /** The connection failed or closed before the response ended. */
    void onFailure(UpstreamConnection connection, UpstreamFailure failure, Throwable cause);
}
