package dev.phalanx.node.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpObject;
import java.util.concurrent.TimeUnit;

/**
 * One connection to an endpoint, lent by {@link ConnectionPool} to one exchange at a time. Plain fields: it lives on
 * one event loop. It reads while its user lets it: {@link #pauseReading()} when the downstream cannot take more,
 * {@link #resumeReading()} when it can again (backpressure without a syscall per request).
 */
public final class UpstreamConnection {
    private final Channel channel;
    private final Endpoint endpoint;
    private final ConnectionPool pool;
    private UpstreamListener listener;
    private final UpstreamCodec codec;
    private int uses;
    /** When it last went back to the pool (System.nanoTime), 0 before its first use ended. */
    private long idleSinceNanos;
    private boolean closing;

    UpstreamConnection(Channel channel, Endpoint endpoint, ConnectionPool pool, UpstreamCodec codec) {
        this.channel = channel;
        this.endpoint = endpoint;
        this.pool = pool;
        this.codec = codec;
    }

    public Channel channel() {
        return channel;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** True when this connection served a request before (a failure on it may be a stale keep-alive). */
    /**
     * Whether the connection can carry another exchange: open, not closing, and no bytes from the backend waiting
     * that no answer framed (they would be read as the start of the next answer).
     */
    boolean reusable() {
        if (!channel.isActive() || closing) {
            return false;
        }
        return codec.unclaimedBytes() == 0;
    }

    /** When the connection last went idle in the pool, as {@link System#nanoTime}; 0 if it never did. */
    public long idleSinceNanos() {
        return idleSinceNanos;
    }

    void idleNow() {
        idleSinceNanos = System.nanoTime();
    }

    public boolean reused() {
        return uses > 1;
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    /** Writes without a promise (failures surface as the connection's exception or close). */
    public void write(HttpObject msg) {
        channel.write(msg, channel.voidPromise());
    }

    public ChannelFuture writeAndFlush(HttpObject msg) {
        return channel.writeAndFlush(msg);
    }

    public void flush() {
        channel.flush();
    }

    /** Stops reading the response (the downstream is not writable). */
    public void pauseReading() {
        channel.config().setAutoRead(false);
    }

    /** Reads again (the downstream became writable). */
    public void resumeReading() {
        channel.config().setAutoRead(true);
    }

    /** Gives the connection back for reuse; the caller vouches that request and response both ended cleanly. */
    public void release() {
        listener = null;
        pool.offer(this);
    }

    /** Closes the connection (it is not reused). */
    public void close() {
        listener = null;
        closing = true;
        channel.close();
    }

    /**
     * Closes an idle connection whose slot another event loop waits for, without the backend ever seeing it overlap
     * the connection opened in its place: sends FIN and lets the backend close its end first (the channel then
     * closes on reading the end, which uncounts it), or closes after {@code graceMillis} if the backend does not.
     * A backend that counts its connections (a thread per connection, say) has let go of this one before the
     * endpoint's connection count falls.
     */
    void retire(long graceMillis) {
        listener = null;
        closing = true;
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            channel.config().setAutoRead(true); // read the backend's end: a half-closed input closes the channel
            duplex.shutdownOutput();
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, graceMillis, TimeUnit.MILLISECONDS);
        } else {
            channel.close();
        }
    }

    /** Closes after pending writes are flushed. */
    public void closeAfterFlush() {
        listener = null;
        closing = true;
        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    void lend(UpstreamListener l) {
        this.listener = l;
        this.uses++;
    }

    UpstreamListener listener() {
        return listener;
    }

    boolean isClosing() {
        return closing;
    }
}
