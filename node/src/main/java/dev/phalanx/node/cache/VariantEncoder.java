package dev.phalanx.node.cache;

import dev.phalanx.node.compression.BodyEncoder;
import dev.phalanx.node.compression.ContentCoding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Makes the compressed variants of stored bodies. A small body is encoded at once, on the event loop that first needs
 * the variant (tens of microseconds); a larger one on this encoder's own thread, while the requests that come before
 * it is ready get the identity body (content negotiation allows it): compressing a body of megabytes on an event loop
 * would hold every connection of that loop for tens of milliseconds. One thread and a bounded queue: when the queue
 * is full the variant is simply asked for again by a later hit.
 */
public final class VariantEncoder implements AutoCloseable {
    /** Bodies up to this size are encoded on the caller's thread. */
    public static final int INLINE_MAX_BYTES = 64 * 1024;
    private static final Logger LOG = Logger.getLogger(VariantEncoder.class.getName());

    private record Pending(CachedResponse response, ContentCoding coding) {
    }

    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(256), r -> {
                Thread t = new Thread(r, "phalanx-cache-encoder");
                t.setDaemon(true);
                return t;
            });

    /**
     * The {@code coding} variant of {@code stored} now (a retained slice, kept with the object too), or null when it
     * is being made on the encoder's thread (or could not be made): then send the identity body.
     */
    ByteBuf variant(CachedResponse stored, ContentCoding coding, int level, ResponseStore store) {
        if (stored.bodyLength() <= INLINE_MAX_BYTES) {
            ByteBuf made = encode(stored, coding, level);
            if (made == null) {
                return null;
            }
            ByteBuf mine = made.retainedSlice();
            store.addVariant(stored, coding, made);
            return mine;
        }
        Pending p = new Pending(stored, coding);
        if (pending.add(p)) {
            stored.retain(); // held by the task until it ran or was dropped
            Task task = new Task(p, level, store);
            try {
                thread.execute(task);
            } catch (RejectedExecutionException full) {
                task.drop();
            }
        }
        return null;
    }

    /** One variant to make on the encoder's thread; it holds a reference to its object. */
    private final class Task implements Runnable {
        private final Pending p;
        private final int level;
        private final ResponseStore store;

        Task(Pending p, int level, ResponseStore store) {
            this.p = p;
            this.level = level;
            this.store = store;
        }

        @Override
        public void run() {
            try {
                ByteBuf made = encode(p.response(), p.coding(), level);
                if (made != null) {
                    store.addVariant(p.response(), p.coding(), made);
                }
            } finally {
                drop();
            }
        }

        void drop() {
            pending.remove(p);
            p.response().release();
        }
    }

    /** The whole body in {@code coding}, or null when the coder failed. */
    private static ByteBuf encode(CachedResponse stored, ContentCoding coding, int level) {
        // the default (pooled) allocator: the variant outlives this connection and may be freed on any thread
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        ByteBuf body = stored.body();
        try (BodyEncoder encoder = BodyEncoder.of(coding, level, alloc)) {
            ByteBuf part = encoder.encode(body);
            ByteBuf end;
            try {
                end = encoder.finish();
            } catch (RuntimeException e) {
                part.release();
                throw e;
            }
            ByteBuf out = alloc.directBuffer(part.readableBytes() + end.readableBytes());
            out.writeBytes(part).writeBytes(end);
            part.release();
            end.release();
            return out;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "could not make the " + coding.token() + " variant of a stored response", e);
            return null;
        }
    }

    @Override
    public void close() {
        // tasks that never ran give their object's reference back
        thread.shutdownNow().forEach(r -> ((Task) r).drop());
    }
}
