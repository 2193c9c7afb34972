package dev.phalanx.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpstreamCodecTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(new UpstreamCodec());

    private void send(HttpMethod method) {
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/"));
        ByteBuf wire;
        while ((wire = channel.readOutbound()) != null) {
            wire.release();
        }
    }

    /** Feeds the backend's bytes; returns each response as "status|names|body". */
    private List<String> answer(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.US_ASCII));
        List<String> out = new ArrayList<>();
        StringBuilder current = null;
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            if (msg instanceof HttpResponse r) {
                assertFalse(r.decoderResult().isFailure(), String.valueOf(r.decoderResult()));
                current = new StringBuilder().append(r.status().code()).append('|').append(r.headers().names())
                        .append('|');
            }
            if (msg instanceof HttpContent c) {
                current.append(c.content().toString(StandardCharsets.US_ASCII));
                if (msg instanceof LastHttpContent) {
                    out.add(current.toString());
                }
            }
            ReferenceCountUtil.release(msg);
        }
        return out;
    }

    @Test
    void commonNamesComeInTheirUsualSpellingOthersAsSent() {
        send(HttpMethod.GET);
        List<String> responses = answer("HTTP/1.1 200 OK\r\ncontent-TYPE: text/plain\r\nX-Own: 1\r\n"
                + "Content-Length: 2\r\n\r\nok");
        assertEquals(List.of("200|[Content-Type, X-Own, Content-Length]|ok"), responses);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void aResponseToHeadHasNoBodyAndTheNextResponseStillParses() {
        send(HttpMethod.HEAD);
        send(HttpMethod.GET);
        List<String> responses = answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals(List.of("200|[Content-Length]|", "200|[Content-Length]|hello"), responses);
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void anInterimResponseDoesNotTakeTheRequestsPlace() {
        send(HttpMethod.HEAD);
        List<String> responses = answer("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        assertEquals(List.of("100|[]|", "200|[Content-Length]|"), responses, "the 200 is HEAD's: no body");
        assertFalse(channel.finishAndReleaseAll());
    }

    @Test
    void commonMatchesWholeNamesInAnyCaseOnly() {
        byte[] line = "xxCONTENT-LENGTHxx".getBytes(StandardCharsets.US_ASCII);
        assertEquals("Content-Length", String.valueOf(UpstreamCodec.common(line, 2, 14)));
        assertNull(UpstreamCodec.common(line, 2, 13), "a prefix is not the name");
        assertNull(UpstreamCodec.common("Content-Lengtx".getBytes(StandardCharsets.US_ASCII), 0, 14));
        assertNull(UpstreamCodec.common(new byte[200], 0, 200));
        assertTrue(UpstreamCodec.common("etag".getBytes(StandardCharsets.US_ASCII), 0, 4) != null);
    }

    @Test
    void aFieldNameWithABadCharacterIsStillRefused() {
        send(HttpMethod.GET);
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nBad(Name: 1\r\nContent-Length: 0\r\n\r\n",
                StandardCharsets.US_ASCII));
        Object msg = channel.readInbound();
        assertInstanceOf(HttpResponse.class, msg);
        assertTrue(((HttpResponse) msg).decoderResult().isFailure(), "validation stays on for responses");
        ReferenceCountUtil.release(msg);
        channel.finishAndReleaseAll();
    }
}
