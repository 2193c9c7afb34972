package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every case of the smuggling corpus through [raw guard, codec, validator, recording backend] as the
 * downstream bytes would arrive: in one buffer, one byte at a time, and in random pieces, with the backend
 * answering at once or late. Asserts the responses, what the backend saw (never a smuggled request), the close,
 * the layer that caught it, and no leak.
 */
class SmugglingCorpusTest {
    static final int MAX_HEADER_BYTES = 16384;

    enum Feed { WHOLE, BYTE_BY_BYTE, RANDOM_PIECES }

    @Test
    void corpusIsLargeAndNamesAreUnique() {
        List<SmugglingCorpus.Case> cases = SmugglingCorpus.load();
        assertTrue(cases.size() >= 45, "only " + cases.size() + " cases");
        Set<String> names = new HashSet<>();
        for (SmugglingCorpus.Case c : cases) {
            assertTrue(names.add(c.name()), "duplicate case " + c.name());
            assertTrue(Set.of("guard", "codec", "validator", "none").contains(c.caughtBy()), c.name());
            assertEquals(c.closes(), !c.caughtBy().equals("none"), c.name() + ": caught-by and expect disagree");
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCaseThroughTheHandlers() {
        List<DynamicTest> tests = new ArrayList<>();
        for (SmugglingCorpus.Case c : SmugglingCorpus.load()) {
            for (Feed feed : Feed.values()) {
                for (boolean answerAtOnce : new boolean[] {true, false}) {
                    tests.add(DynamicTest.dynamicTest(c.name() + " " + feed + (answerAtOnce ? "" : " late-answers"),
                            () -> run(c, feed, answerAtOnce)));
                }
            }
        }
        return tests.stream();
    }

    /** Pins what Netty's decoder does alone, so that the table in the corpus stays true across Netty upgrades. */
    @TestFactory
    Stream<DynamicTest> nettyAloneAsRecorded() {
        return SmugglingCorpus.load().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            EmbeddedChannel channel = new EmbeddedChannel(HttpCodecs.serverCodec(MAX_HEADER_BYTES));
            channel.writeInbound(Unpooled.wrappedBuffer(c.raw()));
            boolean failed = false;
            Object msg;
            while ((msg = channel.readInbound()) != null) {
                failed |= msg instanceof HttpObject o && o.decoderResult().isFailure();
                ReferenceCountUtil.release(msg);
            }
            assertFalse(channel.finishAndReleaseAll());
            assertEquals(c.nettyAlone(), failed ? "reject" : "accept", c.name() + ": Netty alone");
        }));
    }

    static void run(SmugglingCorpus.Case c, Feed feed, boolean answerAtOnce) {
        Meters meters = new Meters();
        RequestValidator validator = new RequestValidator(meters);
        BackendRecorder backend = new BackendRecorder(answerAtOnce);
        EmbeddedChannel channel = new EmbeddedChannel(HttpCodecs.rawGuard(), HttpCodecs.serverCodec(MAX_HEADER_BYTES),
                validator, backend);
        feed(channel, c.raw(), feed, c.name().hashCode());
        backend.answerPending();

        List<String> responses = responses(channel);
        assertEquals(c.expect(), responses, c.name() + ": responses");
        assertEquals(c.backend(), backend.seen(), c.name() + ": requests the backend saw");
        assertEquals(!c.closes(), channel.isOpen(), c.name() + ": connection open");
        Rejection rejection = validator.rejection();
        if (c.caughtBy().equals("none")) {
            assertNull(rejection, c.name());
        } else {
            assertNotNull(rejection, c.name());
            assertEquals(c.caughtBy(), rejection.source().name().toLowerCase(Locale.ROOT),
                    c.name() + ": caught by (" + rejection.reason() + ")");
            String status = c.expect().get(c.expect().size() - 1);
            assertEquals(1.0, meters.registry().get("phalanx.requests").tag("code", status).counter().count(),
                    c.name() + ": rejection counted");
        }
        assertFalse(channel.finishAndReleaseAll());
    }

    private static void feed(EmbeddedChannel channel, byte[] raw, Feed feed, long seed) {
        Random random = new Random(seed);
        int at = 0;
        while (at < raw.length && channel.isOpen()) {
            int n = switch (feed) {
                case WHOLE -> raw.length;
                case BYTE_BY_BYTE -> 1;
                case RANDOM_PIECES -> Math.min(raw.length - at, 1 + random.nextInt(64));
            };
            // direct pooled buffers, as from a socket, for the whole feed; heap slices otherwise
            ByteBuf piece = feed == Feed.WHOLE ? PooledByteBufAllocator.DEFAULT.directBuffer(n) : Unpooled.buffer(n);
            piece.writeBytes(raw, at, n);
            channel.writeInbound(piece);
            at += n;
        }
    }

    /** The responses written to the downstream: "forward" for the backend's, else the status code. */
    static List<String> responses(EmbeddedChannel channel) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpResponseDecoder());
        Object out;
        while ((out = channel.readOutbound()) != null) {
            decoder.writeInbound(out);
        }
        List<String> statuses = new ArrayList<>();
        Object msg;
        while ((msg = decoder.readInbound()) != null) {
            if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                throw new AssertionError("unparsable response bytes", o.decoderResult().cause());
            }
            if (msg instanceof HttpResponse r) {
                statuses.add(r.headers().contains(BackendRecorder.BACKEND_HEADER) ? SmugglingCorpus.FORWARD
                        : Integer.toString(r.status().code()));
            }
            ReferenceCountUtil.release(msg);
        }
        assertFalse(decoder.finishAndReleaseAll());
        return statuses;
    }
}
