package dev.phalanx.node.http;

import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * REQUEST_DEADLINE (HTTP/1.1, right after RAW_GUARD): the slow-client deadlines ({@link SlowClientRules}). A request
 * head must arrive whole within {@code limits.requestHeadTimeout} (the first one counted from when the connection
 * was ready, like nginx's {@code client_header_timeout}; later ones from their first byte: between requests the idle
 * timeout applies), and a body must keep {@code limits.requestBodyMinRate} over each {@code requestBodyRateWindow}
 * while the node reads it (like Kestrel's minimum request body data rate). Past either, a {@link SlowRequest} goes
 * to {@link RequestValidator}, which answers 408 and closes; a connection that sent nothing at all is closed
 * without an answer (as nginx and HAProxy do: browsers open connections ahead of need).
 *
 * <p>Cost: reads add their size to a counter; where a request stands comes from the raw guard's scanner, which
 * follows the framing anyway. The check task runs only while a request is incomplete (from the connection's start
 * until its first request is in, and whenever a read ends inside a head or body); a keep-alive connection whose
 * requests arrive whole in one read never schedules it again. One instance per connection; event-loop only.
 */
public final class Http1Deadlines extends ChannelInboundHandlerAdapter {
    private final Http1RequestScanner scanner;
    private final SlowClientRules rules;
    private final Meters meters;
    private final HeadClock head = new HeadClock();
    private final BodyRateClock body = new BodyRateClock();
    private ChannelHandlerContext ctx;
    private final DeadlineCheck check;
    private long bytes;

    /** @param guard the connection's raw guard, whose scanner tells where the request stands */
    public Http1Deadlines(RawRequestGuard guard, SlowClientRules rules, Meters meters) {
        this.scanner = guard.scanner();
        this.rules = rules;
        this.check = new DeadlineCheck(this::onCheck, rules.periodMillis());
        this.meters = meters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            check.start(ctx.executor()); // the first request's head is due from now
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        check.start(ctx.executor());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytes += buf.readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!check.running() && scanner.phase() != Http1RequestScanner.PHASE_IDLE) {
            check.start(ctx.executor()); // a read ended inside a head or a body
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        check.stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        check.stop();
    }

    private void onCheck() {
        if (check.fired() || scanner.rejected()) {
            check.stop();
            return;
        }
        int phase = scanner.phase();
        int started = scanner.messagesStarted();
        boolean firstPending = started == 0;
        // while the node holds reading back (pipelined requests wait, the upstream is busy...) the rest of a head or
        // body may sit unread in the socket: that time is not the client's
        boolean reading = ctx.channel().config().isAutoRead();
        if (!reading) {
            head.reset();
        } else if (phase == Http1RequestScanner.PHASE_HEAD || firstPending) {
            // the first head counts from the connection's start: it and "nothing yet" are one deadline
            if (head.expired(Math.max(1, started), rules.headChecks())) {
                headTimedOut(phase == Http1RequestScanner.PHASE_HEAD);
                return;
            }
        } else {
            head.reset();
        }
        if (phase == Http1RequestScanner.PHASE_BODY && rules.bodyRuleOn()) {
            if (body.tooSlow(bytes, reading, rules)) {
                fire("request-body-rate", rules.bodyReason());
                return;
            }
        } else {
            body.reset();
        }
        if (phase == Http1RequestScanner.PHASE_IDLE && !firstPending) {
            check.stop(); // between requests: the idle timeout's business; the next partial read starts the check again
        }
    }

    private void headTimedOut(boolean partialHead) {
        if (partialHead) {
            fire("request-head-timeout", rules.headReason());
            return;
        }
        // not one byte of a request: close without an answer
        check.fire();
        meters.downstreamClosed("request-head-timeout");
        ctx.close();
    }

    private void fire(String metricReason, String reason) {
        check.fire();
        meters.downstreamClosed(metricReason);
        ctx.fireUserEventTriggered(new SlowRequest(reason));
    }
}
