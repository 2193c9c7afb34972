package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestBodyTest {

    @Test
    void emptyEndIsReplayedWithoutKeepingACopy() {
        RequestBody body = new RequestBody();
        DefaultLastHttpContent end = new DefaultLastHttpContent();
        body.sent(end);
        end.release(); // written upstream: the proxy no longer owns it
        assertFalse(body.anySent());
        body.rewind();
        HttpContent again = body.pollPending();
        assertTrue(again instanceof LastHttpContent, "a retry still ends the body");
        assertFalse(again.content().isReadable());
        assertNull(body.pollPending());
        body.release();
    }

    @Test
    void bodyPiecesAndEndComeBackInOrder() {
        RequestBody body = new RequestBody();
        HttpContent piece = new DefaultHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII));
        body.sent(piece);
        piece.release();
        body.sent(LastHttpContent.EMPTY_LAST_CONTENT);
        assertTrue(body.anySent());
        assertTrue(body.replayable());
        body.rewind();
        HttpContent first = body.pollPending();
        assertEquals("abc", first.content().toString(StandardCharsets.US_ASCII));
        first.release();
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, body.pollPending());
        assertNull(body.pollPending());
        body.release();
    }

    @Test
    void endWithTrailersIsKeptAsACopy() {
        RequestBody body = new RequestBody();
        DefaultLastHttpContent end = new DefaultLastHttpContent();
        end.trailingHeaders().set("x-checksum", "1");
        body.sent(end);
        end.release();
        body.rewind();
        LastHttpContent again = (LastHttpContent) body.pollPending();
        assertEquals("1", again.trailingHeaders().get("x-checksum"));
        again.release();
        body.release();
    }
}
