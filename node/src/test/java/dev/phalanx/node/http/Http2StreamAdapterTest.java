package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2ResetFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Http2StreamAdapterTest {

    @Test
    void aRequestEndedByItsHeadersComesAsHeadAndLastContentWithoutInternalHeaders() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamAdapter());
        FullHttpRequest full = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/a",
                Unpooled.copiedBuffer("body", StandardCharsets.US_ASCII));
        full.headers().add("host", "a.example").add("host", "A.example").add("x-http2-stream-id", "3")
                .add("x-http2-scheme", "http").add("x-keep", "1");
        ch.writeInbound(full);
        HttpRequest head = ch.readInbound();
        assertFalse(head instanceof HttpContent, "a head alone, as the HTTP/1.1 decoder emits it");
        assertEquals(1, head.headers().getAll("host").size(), "equal Host values folded into one");
        assertNull(head.headers().get("x-http2-stream-id"));
        assertNull(head.headers().get("x-http2-scheme"));
        assertEquals("1", head.headers().get("x-keep"));
        LastHttpContent last = ch.readInbound();
        assertEquals("body", last.content().toString(StandardCharsets.US_ASCII));
        last.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void anInterimResponseGoesOutWhole() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamAdapter());
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        HttpResponse fin = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        ch.writeOutbound(fin);
        ch.writeOutbound(new DefaultHttpContent(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII)));
        FullHttpResponse interim = ch.readOutbound();
        assertEquals(100, interim.status().code());
        interim.release();
        assertEquals(fin, ch.readOutbound(), "the interim's end was dropped, the final response follows");
        HttpContent c = ch.readOutbound();
        c.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void resetAfterResponseWaitsForTheLastPiece() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamAdapter());
        Http2StreamAdapter adapter = ch.pipeline().get(Http2StreamAdapter.class);
        ch.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE));
        ch.writeOutbound(LastHttpContent.EMPTY_LAST_CONTENT);
        adapter.resetAfterResponse();
        assertInstanceOf(HttpResponse.class, ch.readOutbound());
        assertInstanceOf(LastHttpContent.class, ch.readOutbound());
        Http2ResetFrame rst = ch.readOutbound();
        assertEquals(Http2Error.NO_ERROR.code(), rst.errorCode());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aStreamErrorResetsWithItsOwnCode() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http2StreamAdapter());
        Http2Exception e = Http2Exception.streamError(3, Http2Error.PROTOCOL_ERROR, "malformed");
        ch.pipeline().fireExceptionCaught(new DecoderException(e));
        Http2ResetFrame rst = ch.readOutbound();
        assertEquals(Http2Error.PROTOCOL_ERROR.code(), rst.errorCode());
        try {
            ch.checkException();
        } catch (Exception passedOn) {
            assertTrue(passedOn instanceof DecoderException);
        }
        assertFalse(ch.finishAndReleaseAll());
    }
}
