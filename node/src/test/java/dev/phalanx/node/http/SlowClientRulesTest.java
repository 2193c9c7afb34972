package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.NodeConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The check counting behind the slow-client deadlines, and the scanner's view of where a request stands. */
class SlowClientRulesTest {
    private static SlowClientRules rules(long headMillis, long rate, long windowMillis) {
        return SlowClientRules.of(new NodeConfig.LimitsConfig(16384, 1 << 20, Duration.ofSeconds(60),
                Duration.ofSeconds(30), 100, Duration.ofHours(1), Duration.ofMillis(headMillis), rate,
                Duration.ofMillis(windowMillis)));
    }

    @Test
    void defaultsCheckEveryTwoAndAHalfSeconds() {
        SlowClientRules r = rules(10_000, 240, 10_000);
        assertEquals(2_500, r.periodMillis());
        assertEquals(4, r.headChecks());
        assertEquals(4, r.windowChecks());
        assertEquals(2_400, r.minBytesPerWindow(), "240 bytes/s over 10 s");
        assertEquals("request head not received within 10s", r.headReason());
    }

    @Test
    void theShorterDeadlineSetsThePeriodAndTheBodyRuleCanBeOff() {
        SlowClientRules r = rules(1_000, 1000, 10_000);
        assertEquals(250, r.periodMillis());
        assertEquals(40, r.windowChecks());
        assertEquals(10_000, r.minBytesPerWindow());
        SlowClientRules off = rules(10_000, 0, 100);
        assertEquals(2_500, off.periodMillis(), "a window does not shorten the period when the body rule is off");
        assertFalse(off.bodyRuleOn());
    }

    @Test
    void aHeadExpiresAfterMoreThanItsChecksAndANewHeadStartsAgain() {
        HeadClock clock = new HeadClock();
        for (int i = 0; i < 4; i++) {
            assertFalse(clock.expired(1, 4), "check " + (i + 1));
        }
        assertTrue(clock.expired(1, 4), "in progress at 5 checks in a row: at least 4 periods");
        for (int i = 0; i < 4; i++) {
            assertFalse(clock.expired(2, 4), "the next head has its own deadline");
        }
        clock.reset();
        assertFalse(clock.expired(2, 4));
    }

    @Test
    void aBodyWindowCountsOnlyWhileReading() {
        SlowClientRules r = rules(1_000, 1000, 1_000); // 4 checks of 250 ms, 1000 bytes per window
        BodyRateClock clock = new BodyRateClock();
        assertFalse(clock.tooSlow(0, true, r), "the first check starts the window");
        for (int i = 1; i < 4; i++) {
            assertFalse(clock.tooSlow(i * 100, true, r));
        }
        assertTrue(clock.tooSlow(400, true, r), "400 bytes in a window that needed 1000");
        assertFalse(clock.tooSlow(400, false, r), "paused by the node: the window starts again");
        for (int i = 0; i < 3; i++) {
            assertFalse(clock.tooSlow(400, true, r));
        }
        assertFalse(clock.tooSlow(1400, true, r), "1000 bytes in the window: fast enough");
    }

    @Test
    void theScannerTellsHeadFromBodyFromBetweenRequests() {
        Http1RequestScanner s = new Http1RequestScanner();
        assertEquals(Http1RequestScanner.PHASE_IDLE, scan(s, "\r\n"), "empty lines before a request are not a head");
        assertEquals(0, s.messagesStarted());
        assertEquals(Http1RequestScanner.PHASE_HEAD, scan(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3"));
        assertEquals(1, s.messagesStarted());
        assertEquals(Http1RequestScanner.PHASE_BODY, scan(s, "\r\n\r\nab"));
        assertEquals(Http1RequestScanner.PHASE_IDLE, scan(s, "c"));
        assertEquals(Http1RequestScanner.PHASE_BODY, scan(s, "POST / HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1"), "trailers are part of the body");
        assertEquals(Http1RequestScanner.PHASE_IDLE, scan(s, "\r\n\r\n"));
        assertEquals(2, s.messagesStarted());
    }

    private static int scan(Http1RequestScanner s, String text) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        try {
            assertEquals(-1, s.scan(b, b.readerIndex(), b.writerIndex()), s.violation());
            return s.phase();
        } finally {
            b.release();
        }
    }
}
