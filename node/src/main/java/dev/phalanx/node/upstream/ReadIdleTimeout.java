package dev.phalanx.node.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#READER_IDLE_STATE_EVENT} when nothing was read for the timeout, for the downstream
 * ({@code limits.idleTimeout}) and the pooled upstream connections. Unlike Netty's {@code IdleStateHandler} it
 * reads no clock per message: a read only sets a flag, and a check that runs every quarter of the timeout counts
 * the checks in a row that saw no read. At a proxy's request rate the clock reads were a measurable part of the
 * per-request cost. The event comes between 1 and 1.25 timeouts after the last read, then again every timeout
 * while the connection stays quiet (as with {@code IdleStateHandler}). One instance per connection.
 */
public final class ReadIdleTimeout extends ChannelInboundHandlerAdapter {
    static final int CHECKS_PER_TIMEOUT = 4;

    private final long periodMillis;
    private boolean readSeen;
    private int quietChecks;
    private ScheduledFuture<?> check;

    public ReadIdleTimeout(long timeoutMillis) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("idle timeout must be positive: " + timeoutMillis + " ms");
        }
        this.periodMillis = Math.max(1, timeoutMillis / CHECKS_PER_TIMEOUT);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readSeen = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    private void start(ChannelHandlerContext ctx) {
        if (check != null) {
            return;
        }
        check = ctx.executor().scheduleAtFixedRate(() -> onCheck(ctx), periodMillis, periodMillis,
                TimeUnit.MILLISECONDS);
    }

    private void onCheck(ChannelHandlerContext ctx) {
        if (readSeen) {
            readSeen = false;
            quietChecks = 0;
            return;
        }
        if (++quietChecks >= CHECKS_PER_TIMEOUT) {
            quietChecks = 0;
            ctx.fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        }
    }

    private void stop() {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }
}
