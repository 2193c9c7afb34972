package dev.phalanx.node.compression;

import com.aayushatharva.brotli4j.encoder.Encoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.BrotliEncoder;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.codec.compression.Zstd;
import io.netty.handler.codec.compression.ZstdEncoder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Compresses one body as it streams: each piece in gives the compressed bytes that can go out now (flushed, so a
 * slow stream is not held back), {@link #finish} the coding's end. Netty's encoders do the work ({@code JdkZlibEncoder}
 * for gzip, {@code BrotliEncoder} over brotli4j, {@code ZstdEncoder} over zstd-jni) inside an
 * {@link EmbeddedChannel} whose allocator is the connection's pooled one, as Netty's own
 * {@code HttpContentCompressor} does. Nothing is aggregated: memory is the coder's window and one output buffer.
 * Not tied to a connection or a response, so a cache can run it once and keep the result.
 *
 * <p>Ownership: {@link #encode} takes its input (released here on every path) and gives the caller the returned
 * buffer; {@link #close} releases whatever is left and ends the native coder, and is safe to call more than once
 * and after {@link #finish}. One thread at a time (the exchange's event loop).
 */
public final class BodyEncoder implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BodyEncoder.class.getName());
    /** Brotli's window: 256 KiB (lgwin 18) keeps a stream's memory small; text rarely gains from a longer one. */
    private static final int BROTLI_WINDOW = 18;
    /** zstd's block: input is compressed as it comes, at most this much per frame. */
    private static final int ZSTD_BLOCK = 64 * 1024;
    private static final int ZSTD_MAX_ENCODE = 32 * 1024 * 1024;
    private static final boolean BROTLI = check("br", Brotli::isAvailable, Brotli::cause);
    private static final boolean ZSTD = check("zstd", Zstd::isAvailable, Zstd::cause);

    private final ContentCoding coding;
    private final EmbeddedChannel channel;
    private boolean closed;

    private BodyEncoder(ContentCoding coding, ChannelHandler encoder, ByteBufAllocator alloc) {
        this.coding = coding;
        this.channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
        channel.pipeline().addLast(encoder);
    }

    /**
     * @param level gzip 1-9, br 0-11, zstd 1-22
     * @throws IllegalArgumentException for {@link ContentCoding#IDENTITY} or a coding whose library did not load
     */
    public static BodyEncoder of(ContentCoding coding, int level, ByteBufAllocator alloc) {
        if (!available(coding)) {
            throw new IllegalArgumentException(coding.token() + " cannot be produced on this node");
        }
        ChannelHandler encoder = switch (coding) {
            case GZIP -> ZlibCodecFactory.newZlibEncoder(ZlibWrapper.GZIP, level);
            case BR -> new BrotliEncoder(new Encoder.Parameters().setQuality(level).setWindow(BROTLI_WINDOW)
                    .setMode(Encoder.Mode.TEXT), false);
            case ZSTD -> new ZstdEncoder(level, ZSTD_BLOCK, ZSTD_MAX_ENCODE);
            case IDENTITY -> throw new IllegalArgumentException("identity needs no encoder");
        };
        return new BodyEncoder(coding, encoder, alloc);
    }

    /** Whether this node can produce {@code coding} (its native library loaded). */
    public static boolean available(ContentCoding coding) {
        return switch (coding) {
            case GZIP -> true;
            case BR -> BROTLI;
            case ZSTD -> ZSTD;
            case IDENTITY -> false;
        };
    }

    public ContentCoding coding() {
        return coding;
    }

    /** Compresses {@code in} (released here) and returns what is ready to send, possibly an empty buffer. */
    public ByteBuf encode(ByteBuf in) {
        if (closed) {
            in.release();
            throw new IllegalStateException("encoder closed");
        }
        if (!in.isReadable()) {
            in.release();
            return Unpooled.EMPTY_BUFFER;
        }
        try {
            channel.writeOutbound(in); // the encoder releases in
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return drain();
    }

    /** Ends the coding and returns its last bytes; the encoder is closed after it. */
    public ByteBuf finish() {
        if (closed) {
            throw new IllegalStateException("encoder closed");
        }
        closed = true;
        try {
            channel.finish();
        } catch (RuntimeException e) {
            channel.releaseOutbound();
            throw e;
        }
        return drain();
    }

    /** Releases everything the encoder holds (its native coder too); nothing more may be encoded. */
    @Override
    public void close() {
        if (closed) {
            channel.releaseOutbound();
            return;
        }
        closed = true;
        try {
            channel.finishAndReleaseAll(); // releases what is queued even when the coder's end fails
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "a " + coding.token() + " encoder failed while closing", e);
        }
    }

    /** The pending output as one buffer: empty, the one piece, or a composite of several. */
    private ByteBuf drain() {
        ByteBuf first = null;
        CompositeByteBuf many = null;
        for (;;) {
            ByteBuf b = channel.readOutbound();
            if (b == null) {
                break;
            }
            if (!b.isReadable()) {
                b.release();
            } else if (first == null) {
                first = b;
            } else {
                if (many == null) {
                    many = channel.alloc().compositeBuffer(Integer.MAX_VALUE);
                    many.addComponent(true, first);
                }
                many.addComponent(true, b);
            }
        }
        return many != null ? many : first != null ? first : Unpooled.EMPTY_BUFFER;
    }

    private static boolean check(String name, java.util.function.BooleanSupplier available,
                                 java.util.function.Supplier<Throwable> cause) {
        try {
            if (available.getAsBoolean()) {
                return true;
            }
            LOG.log(Level.WARNING, name + " compression is off: its native library did not load", cause.get());
        } catch (Throwable t) {
            LOG.log(Level.WARNING, name + " compression is off: its native library did not load", t);
        }
        return false;
    }
}
