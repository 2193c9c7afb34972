package dev.phalanx.node.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CleartextPrefaceDetectorTest {
    private String chosen;

    private final Meters meters = new Meters();

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new CleartextPrefaceDetector(new CleartextPrefaceDetector.Choice() {
            @Override
            public void http2(ChannelHandlerContext ctx) {
                chosen = "h2";
            }

            @Override
            public void http1(ChannelHandlerContext ctx) {
                chosen = "http/1.1";
            }
        }, 1000, meters));
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** What went past the detector, as text (released). */
    private static String passed(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readInbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void thePrefaceInPiecesChoosesHttp2AndPassesEveryByteOn() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("PRI * HTTP/2.0\r\n"));
        assertNull(chosen, "undecided until the whole preface is in");
        ch.writeInbound(ascii("\r\nSM\r\n\r\n\0\0\0\4"));
        assertEquals("h2", chosen);
        assertNull(ch.pipeline().get(CleartextPrefaceDetector.class), "stepped out");
        assertEquals("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4", passed(ch));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void anHttp11RequestIsDecidedAtItsFirstByte() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("G"));
        assertEquals("http/1.1", chosen);
        ch.writeInbound(ascii("ET / HTTP/1.1\r\n"));
        assertEquals("GET / HTTP/1.1\r\n", passed(ch));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aClientThatDripsThePrefaceIsClosedAtTheHeadDeadline() throws Exception {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("PRI * HTTP"));
        Thread.sleep(1100);
        ch.runPendingTasks();
        assertFalse(ch.isOpen(), "closed at requestHeadTimeout while still undecided");
        assertNull(chosen);
        assertEquals(1.0, meters.registry().counter("phalanx.downstream.closed", "reason", "request-head-timeout")
                .count());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aPrefixThatStrays() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(ascii("PRINT / HTTP/1.1\r\n"));
        assertEquals("http/1.1", chosen);
        assertEquals("PRINT / HTTP/1.1\r\n", passed(ch));
        assertFalse(ch.finishAndReleaseAll());
    }
}
