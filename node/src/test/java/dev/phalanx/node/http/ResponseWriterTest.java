package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseWriterTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final ResponseWriter writer = new ResponseWriter(channel.pipeline().firstContext());

    private static HttpResponse head() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set("content-length", "5").set("x-a", "1");
        return r;
    }

    private static HttpContent piece(String s, boolean last) {
        return last ? new DefaultLastHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII))
                : new DefaultHttpContent(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    @Test
    void aWholeBodyInTheHeadsReadGoesAsOneFullResponse() {
        writer.head(head());
        writer.content(piece("hello", true), true);
        writer.endOfRead();
        channel.flush();
        FullHttpResponse full = assertInstanceOf(FullHttpResponse.class, channel.readOutbound());
        assertEquals("1", full.headers().get("x-a"));
        assertEquals("hello", full.content().toString(StandardCharsets.US_ASCII));
        full.release();
        assertNull(channel.readOutbound(), "one message only");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void aBodyInPiecesFollowsItsHead() {
        HttpResponse head = head();
        writer.head(head);
        writer.content(piece("hel", false), false);
        writer.content(piece("lo", true), true);
        channel.flush();
        assertSame(head, channel.readOutbound());
        HttpContent first = channel.readOutbound();
        assertEquals("hel", first.content().toString(StandardCharsets.US_ASCII));
        first.release();
        Object end = channel.readOutbound();
        assertInstanceOf(LastHttpContent.class, end);
        ReferenceCountUtil.release(end);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void aHeadWhoseBodyIsLateGoesAtTheEndOfTheRead() {
        HttpResponse head = head();
        writer.head(head);
        writer.endOfRead();
        channel.flush();
        assertSame(head, channel.readOutbound(), "the client sees the head before the body comes");
        writer.content(piece("hello", true), true);
        channel.flush();
        Object end = channel.readOutbound();
        assertInstanceOf(LastHttpContent.class, end);
        ReferenceCountUtil.release(end);
        assertFalse(channel.finishAndReleaseAll());
    }
}
