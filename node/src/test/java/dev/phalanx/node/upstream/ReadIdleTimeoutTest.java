package dev.phalanx.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadIdleTimeoutTest {
    /** Counts idle events and passes reads on. */
    private static final class Events extends ChannelInboundHandlerAdapter {
        int idle;
        int reads;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent e && e.state() == io.netty.handler.timeout.IdleState.READER_IDLE) {
                idle++;
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            reads++;
        }
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        // step by 10 ms so that every check runs at its own time
        for (long t = 0; t < millis; t += 10) {
            ch.advanceTimeBy(10, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }
    }

    @Test
    void firesBetweenOneAndOneAndAQuarterTimeoutsAfterTheLastRead() {
        Events events = new Events();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new ReadIdleTimeout(400), events);
        advance(ch, 300);
        ch.writeInbound("ping");
        assertEquals(1, events.reads, "reads pass through");
        advance(ch, 390);
        assertEquals(0, events.idle, "less than a timeout since the read");
        advance(ch, 110);
        assertEquals(1, events.idle, "fired by 1.25 timeouts after the read");
        advance(ch, 400);
        assertEquals(2, events.idle, "and again every timeout while quiet");
        ch.finishAndReleaseAll();
    }

    @Test
    void steadyReadsKeepItQuiet() {
        Events events = new Events();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new ReadIdleTimeout(400), events);
        for (int i = 0; i < 40; i++) {
            advance(ch, 90);
            ch.writeInbound("ping");
        }
        assertEquals(0, events.idle);
        ch.finishAndReleaseAll();
    }

    @Test
    void stopsCheckingOnceClosed() {
        Events events = new Events();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new ReadIdleTimeout(400), events);
        ch.close();
        advance(ch, 2000);
        assertEquals(0, events.idle);
        ch.finishAndReleaseAll();
    }

    @Test
    void rejectsANonPositiveTimeout() {
        assertThrows(IllegalArgumentException.class, () -> new ReadIdleTimeout(0));
    }
}
