package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
    private final Meters meters = new Meters();
    private final List<Rejection> rejections = new ArrayList<>();
    private final RequestValidator validator = new RequestValidator(meters, rejections::add);

    private EmbeddedChannel chain() {
        return new EmbeddedChannel(HttpCodecs.rawGuard(), HttpCodecs.serverCodec(16384), validator);
    }

    /** A chain behind a socket that holds writes, so the close after the error response does not happen yet. */
    private EmbeddedChannel slowSocketChain(List<Object> held) {
        ChannelOutboundHandlerAdapter slowSocket = new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                held.add(msg);
            }
        };
        return new EmbeddedChannel(slowSocket, HttpCodecs.rawGuard(), HttpCodecs.serverCodec(16384), validator);
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Everything the proxy handler was given, released. */
    private static List<Object> drainInbound(EmbeddedChannel channel) {
        List<Object> seen = new ArrayList<>();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            seen.add(msg);
            ReferenceCountUtil.release(msg);
        }
        return seen;
    }

    @Test
    void bodyBreaksAfterTheProxyStartedAnsweringClosesWithoutASecondResponse() {
        EmbeddedChannel channel = chain();
        channel.writeInbound(bytes("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
        List<Object> seen = drainInbound(channel);
        assertInstanceOf(HttpRequest.class, seen.get(0));
        // the proxy relays an early upstream response head
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.writeInbound(bytes("zz\r\n"));
        assertFalse(channel.isOpen());
        assertTrue(drainInbound(channel).isEmpty(), "nothing after the bad chunk line reaches the proxy");
        String written = outbound(channel);
        assertTrue(written.startsWith("HTTP/1.1 200 OK"), written);
        assertFalse(written.contains("400"), written);
        assertEquals(1, rejections.size());
        assertEquals(Rejection.Source.GUARD, rejections.get(0).source());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void proxyWritesAfterTheErrorResponseAreReleasedAndFailed() {
        List<Object> held = new ArrayList<>();
        EmbeddedChannel channel = slowSocketChain(held);
        channel.writeInbound(bytes("GET / HTTP/1.1\r\nX: y\r\n\r\n"));
        assertEquals(1, held.size(), "the 400");
        assertTrue(channel.isOpen());
        ByteBuf late = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        ChannelFuture write = channel.writeAndFlush(new DefaultHttpContent(late));
        assertTrue(write.isDone() && !write.isSuccess());
        assertEquals(0, late.refCnt(), "released by the validator");
        assertEquals(1, held.size());
        held.forEach(ReferenceCountUtil::release);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void interimContinueDoesNotCountAsTheResponse() {
        EmbeddedChannel channel = chain();
        channel.writeInbound(bytes("POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"));
        drainInbound(channel);
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        channel.writeInbound(bytes("5 \r\nhello\r\n"));
        String written = outbound(channel);
        assertTrue(written.startsWith("HTTP/1.1 100 Continue\r\n"), written);
        assertTrue(written.contains("HTTP/1.1 400 Bad Request\r\n"), written);
        assertTrue(written.contains("\"error\": \"chunk size is not followed by ; or CRLF\""), written);
        assertFalse(channel.isOpen());
        assertEquals(1.0, meters.registry().get("phalanx.requests").tag("route", Meters.NO_ROUTE)
                .tag("code", "400").counter().count());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void validatorAloneStillRefusesFramingNettyLetsThrough() {
        String[] heads = {
                "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n\r\n12345678",
        };
        for (String head : heads) {
            RequestValidator alone = new RequestValidator(meters);
            EmbeddedChannel channel = new EmbeddedChannel(HttpCodecs.serverCodec(16384), alone);
            channel.writeInbound(bytes(head));
            assertTrue(drainInbound(channel).isEmpty(), head);
            assertEquals(Rejection.Source.VALIDATOR, alone.rejection().source(), head);
            assertTrue(outbound(channel).startsWith("HTTP/1.1 400 "), head);
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    @Test
    void absoluteFormBecomesOriginFormAndFillsHttp10Host() {
        EmbeddedChannel channel = chain();
        channel.writeInbound(bytes("GET HTTPS://Example.com:443?q=1 HTTP/1.0\r\n\r\n"
                + "GET http://[::1]:8080/p HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"));
        List<Object> seen = drainInbound(channel);
        HttpRequest first = (HttpRequest) seen.get(0);
        assertEquals("/?q=1", first.uri());
        assertEquals("Example.com:443", first.headers().get("host"));
        HttpRequest second = (HttpRequest) seen.get(2);
        assertEquals("/p", second.uri());
        assertNull(validator.rejection());
        assertTrue(channel.isOpen());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void validHostForms() {
        for (String host : new String[] {"example.com", "EXAMPLE.com.", "a-b_c~d", "192.0.2.1:8080", "[2001:db8::1]",
                "[::1]:443", "xn--bcher-kva.example"}) {
            assertTrue(RequestChecks.isValidAuthority(host), host);
        }
        for (String host : new String[] {"", ":80", "a:", "a:65536", "a:1:2", "[::1", "[]", "[::1]x", "a b", "a/b",
                "u@h", "h\u00e9", "[zz::1]"}) {
            assertFalse(RequestChecks.isValidAuthority(host), host);
        }
    }

    @Test
    void chunkExtensionBudgetIsPerRequest() {
        EmbeddedChannel channel = chain();
        String ext = ";e=" + "x".repeat(3000);
        String request = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1" + ext + "\r\nx\r\n0\r\n\r\n";
        channel.writeInbound(bytes(request + request));
        long requests = drainInbound(channel).stream().filter(m -> m instanceof HttpRequest).count();
        assertEquals(2, requests);
        assertNull(validator.rejection());
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void configuredHeaderLimitGives431() {
        EmbeddedChannel channel = new EmbeddedChannel(HttpCodecs.rawGuard(), HttpCodecs.serverCodec(1024), validator);
        channel.writeInbound(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(1100) + "\r\n\r\n"));
        assertTrue(drainInbound(channel).isEmpty());
        assertTrue(outbound(channel).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void guardPassesGoodBytesOnUncopied() {
        EmbeddedChannel channel = new EmbeddedChannel(HttpCodecs.rawGuard());
        ByteBuf in = bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        channel.writeInbound(in);
        ByteBuf out = channel.readInbound();
        assertSame(in, out);
        out.release();
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void upgradeHandOffPassesTheTunnelBytesOnRaw() {
        EmbeddedChannel channel = chain();
        channel.writeInbound(bytes("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
        List<Object> seen = drainInbound(channel);
        assertInstanceOf(HttpRequest.class, seen.get(0));
        assertInstanceOf(LastHttpContent.class, seen.get(1));
        // the proxy got 101 from upstream: remove guard and validator first, the codec last
        channel.pipeline().remove(RawRequestGuard.class);
        channel.pipeline().remove(RequestValidator.class);
        channel.pipeline().remove(HttpServerCodec.class);
        ByteBuf frame = Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) 0x85, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        channel.writeInbound(frame);
        Object raw = channel.readInbound();
        assertSame(frame, raw);
        frame.release();
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void everythingReadAfterARejectionIsReleased() {
        List<Object> held = new ArrayList<>();
        EmbeddedChannel channel = slowSocketChain(held);
        channel.writeInbound(bytes("GET / HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertTrue(channel.isOpen());
        assertFalse(channel.config().isAutoRead(), "reading stops");
        HttpContent later = new DefaultHttpContent(Unpooled.buffer(4).writeInt(1));
        channel.writeInbound(later);
        assertEquals(0, later.refCnt());
        ByteBuf raw = bytes("GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
        channel.writeInbound(raw);
        assertEquals(0, raw.refCnt());
        assertTrue(drainInbound(channel).isEmpty());
        assertEquals("missing Host", validator.rejection().reason());
        held.forEach(ReferenceCountUtil::release);
        assertFalse(channel.finishAndReleaseAll());
    }

    private static String outbound(EmbeddedChannel channel) {
        StringBuilder sb = new StringBuilder();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ByteBuf buf = (ByteBuf) msg;
            sb.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return sb.toString();
    }
}
