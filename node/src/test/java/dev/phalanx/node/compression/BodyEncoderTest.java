package dev.phalanx.node.compression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import com.github.luben.zstd.ZstdInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Compresses bodies cut into pieces of many sizes with each coding and decodes them with the libraries' decoders. */
class BodyEncoderTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** JSON-like text (compressible), with some random bytes so that it is not trivially so. */
    static byte[] body(int size, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 64);
        int i = 0;
        while (sb.length() < size) {
            sb.append("{\"id\":").append(i++).append(",\"name\":\"item-").append(r.nextInt(1000))
                    .append("\",\"tags\":[\"a\",\"b\"],\"price\":").append(r.nextInt(100_000) / 100.0).append("},\n");
        }
        return sb.substring(0, size).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] decode(ContentCoding coding, byte[] encoded) throws IOException {
        InputStream raw = new ByteArrayInputStream(encoded);
        try (InputStream in = switch (coding) {
            case GZIP -> new GZIPInputStream(raw);
            case BR -> new BrotliInputStream(raw);
            case ZSTD -> new ZstdInputStream(raw);
            case IDENTITY -> raw;
        }) {
            return in.readAllBytes();
        }
    }

    /** Feeds {@code body} in pieces of {@code piece} bytes and returns the encoded bytes. */
    static byte[] encode(ContentCoding coding, int level, byte[] body, int piece) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BodyEncoder encoder = BodyEncoder.of(coding, level, ALLOC)) {
            for (int off = 0; off < body.length; off += piece) {
                int n = Math.min(piece, body.length - off);
                ByteBuf in = ALLOC.directBuffer(n).writeBytes(body, off, n);
                take(encoder.encode(in), out);
            }
            take(encoder.finish(), out);
        }
        return out.toByteArray();
    }

    private static void take(ByteBuf b, ByteArrayOutputStream out) {
        try {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
        } finally {
            b.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ContentCoding.class, names = {"GZIP", "BR", "ZSTD"})
    void roundTripsAtManySplits(ContentCoding coding) throws IOException {
        assertTrue(BodyEncoder.available(coding), coding + " loads on this machine");
        for (int size : new int[] {0, 1, 100, 4096, 50_000, 300_000}) {
            byte[] body = body(size, size);
            for (int piece : new int[] {1, 7, 1000, 8192, 16_384, 65_536, 1 << 20}) {
                if (piece < 1000 && size > 4096) {
                    continue; // a byte at a time is slow through native calls; 4 KiB proves the point
                }
                byte[] encoded = encode(coding, 5, body, piece);
                assertArrayEquals(body, decode(coding, encoded), coding + " size " + size + " piece " + piece);
                if (size >= 50_000 && piece >= 8192) {
                    assertTrue(encoded.length < size / 3, coding + " compresses text: " + encoded.length);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ContentCoding.class, names = {"GZIP", "BR", "ZSTD"})
    void levelsAtTheEndsOfTheirRanges(ContentCoding coding) throws IOException {
        byte[] body = body(100_000, 7);
        int[] levels = switch (coding) {
            case GZIP -> new int[] {1, 9};
            case BR -> new int[] {0, 11};
            default -> new int[] {1, 19};
        };
        for (int level : levels) {
            assertArrayEquals(body, decode(coding, encode(coding, level, body, 16_384)), coding + " level " + level);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ContentCoding.class, names = {"GZIP", "BR", "ZSTD"})
    void closingMidStreamReleasesEverything(ContentCoding coding) {
        byte[] body = body(40_000, 3);
        BodyEncoder encoder = BodyEncoder.of(coding, 5, ALLOC);
        ByteBuf out = encoder.encode(ALLOC.buffer().writeBytes(body));
        out.release();
        encoder.close();
        encoder.close();
        ByteBuf late = ALLOC.buffer().writeBytes(body);
        try {
            encoder.encode(late);
        } catch (IllegalStateException expected) {
            assertEquals(0, late.refCnt(), "input released even when refused");
        }
    }

    @ParameterizedTest
    @EnumSource(value = ContentCoding.class, names = {"GZIP", "BR", "ZSTD"})
    void eachPieceGivesOutputAtOnce(ContentCoding coding) throws IOException {
        // a streaming response (server-sent events): what came in goes out without waiting for more
        byte[] first = "data: hello world, this is the first event\n\n".getBytes(StandardCharsets.UTF_8);
        try (BodyEncoder encoder = BodyEncoder.of(coding, 5, ALLOC)) {
            ByteBuf out = encoder.encode(ALLOC.buffer().writeBytes(first));
            try {
                assertTrue(out.readableBytes() > 0, coding + " flushed the first piece");
            } finally {
                out.release();
            }
        }
    }
}
