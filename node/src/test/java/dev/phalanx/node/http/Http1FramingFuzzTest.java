package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid pipelined traffic at random (seeded) and checks the property smuggling defences rest on: the raw
 * guard and Netty's decoder agree on where every request starts and ends. Whenever nothing was rejected, the
 * heads and whole requests the guard counted must be exactly the ones the decoder produced; and the outcome must
 * not depend on how the bytes were split into reads.
 */
class Http1FramingFuzzTest {
    private static final String[] TEMPLATES = {
            "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n",
            "POST /b HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello",
            "POST /c HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n",
            "GET /d HTTP/1.0\r\n\r\n",
            "PUT /e HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nX-A: b\r\n\r\n",
    };
    private static final String[] INSERTS = {
            "\r", "\n", "\r\n", " ", "\t", ":", ",", ";", "0", "5", "a", "-", "+", "\u000b", "\u0000", "\u007f",
            "Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n",
            "Content-Length: 5\r\nContent-Length: 5\r\n", "0\r\n\r\n", "\r\n\r\n", "GET /s HTTP/1.1\r\n",
            "Host: x\r\n", " folded\r\n", "Sec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n",
    };

    @Test
    void guardAndDecoderAgreeOnFraming() {
        Random random = new Random(20240917L);
        for (int iteration = 0; iteration < 2500; iteration++) {
            byte[] input = mutate(random);
            Outcome whole = run(input, Integer.MAX_VALUE);
            Outcome pieces = run(input, 1 + random.nextInt(7));
            assertEquals(whole, pieces, () -> "fragmentation changed the outcome for \"" + SmugglingCorpus.escape(input) + "\"");
        }
    }

    record Outcome(List<String> responses, List<SmugglingCorpus.BackendRequest> backend, String rejection) {
    }

    private static Outcome run(byte[] input, int pieceSize) {
        RequestValidator validator = new RequestValidator(new Meters());
        RawRequestGuard guard = HttpCodecs.rawGuard();
        BackendRecorder backend = new BackendRecorder(true);
        EmbeddedChannel channel = new EmbeddedChannel(guard, HttpCodecs.serverCodec(16384), validator, backend);
        for (int at = 0; at < input.length && channel.isOpen(); at += pieceSize) {
            int n = Math.min(pieceSize, input.length - at);
            ByteBuf piece = Unpooled.buffer(n).writeBytes(input, at, n);
            channel.writeInbound(piece);
        }
        List<SmugglingCorpus.BackendRequest> seen = backend.seen();
        Rejection rejection = validator.rejection();
        if (rejection == null) {
            String where = " for \"" + SmugglingCorpus.escape(input) + "\"";
            assertEquals(seen.size(), guard.scanner().headsEnded(), "request heads" + where);
            assertEquals(seen.stream().filter(SmugglingCorpus.BackendRequest::complete).count(),
                    guard.scanner().messagesEnded(), "whole requests" + where);
        }
        List<String> responses = SmugglingCorpusTest.responses(channel);
        assertFalse(channel.finishAndReleaseAll());
        return new Outcome(responses, seen, rejection == null ? null
                : rejection.status().code() + " " + rejection.source() + " " + rejection.reason());
    }

    private static byte[] mutate(Random random) {
        StringBuilder sb = new StringBuilder();
        int requests = 1 + random.nextInt(3);
        for (int i = 0; i < requests; i++) {
            sb.append(TEMPLATES[random.nextInt(TEMPLATES.length)]);
        }
        int mutations = random.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            int at = random.nextInt(sb.length() + 1);
            switch (random.nextInt(3)) {
                case 0 -> sb.insert(at, INSERTS[random.nextInt(INSERTS.length)]);
                case 1 -> {
                    if (at < sb.length()) {
                        sb.deleteCharAt(at);
                    }
                }
                default -> {
                    if (at < sb.length()) {
                        sb.setCharAt(at, INSERTS[random.nextInt(16)].charAt(0));
                    }
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }
}
