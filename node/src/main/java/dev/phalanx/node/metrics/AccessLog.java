package dev.phalanx.node.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The access log (docs/contract.md#access-log, {@code accessLog: stdout | off | a file path}): one JSON object per
 * request, one per line.
 *
 * <p>Event loops only enqueue. {@link #log} is a lock-free offer into a bounded queue (65,536 entries by default) and
 * returns; when the queue is full the entry is dropped and counted ({@code phalanx_access_log_dropped_total}), so a
 * slow disk never stalls the data plane. One daemon writer thread formats entries ({@link AccessLogFormat}) into a
 * batch and writes the batch when it reaches 64 KiB, when the queue runs empty, and at least every 100 ms. A batch
 * always ends at a line end, so on stdout the log's lines never interleave mid-line with other writers of
 * {@code System.out}. Lines that cannot be written (disk full) are counted as dropped too and reported in the log.
 *
 * <p>A file is opened for appending (created if missing, never truncated) when the log is created, so a bad path
 * fails the start; {@link #reopen()} (for logrotate, e.g. on SIGHUP) makes the writer open the path anew and close the
 * old file. {@link #close()} writes everything queued, flushes and closes; entries logged after it are ignored.
 */
public final class AccessLog implements AutoCloseable {
    public static final int DEFAULT_CAPACITY = 65_536;
    static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final int BATCH_CHARS = 64 * 1024;
    private static final System.Logger LOG = System.getLogger(AccessLog.class.getName());
    private static final AccessLog OFF = new AccessLog();

    /** Where lines go: stdout or a file that can be opened again. */
    private interface Target {
        OutputStream open() throws IOException;

        /** Whether {@link AccessLog#close()} closes the stream (a file) or only flushes it (stdout). */
        boolean owned();
    }

    private final Target target;
    private final int capacity;
    private final Meters meters;
    private final Queue<AccessLogEntry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicReference<CompletableFuture<Void>> reopenRequest = new AtomicReference<>();
    private final Thread writer;
    private volatile boolean parked;
    private volatile boolean closing;
    /** Written and read only by the writer thread (and by the constructor before it starts). */
    private OutputStream out;
    /** When a write failure was last reported (nanoTime, 0 = never); writer thread only. */
    private long lastFailureReport;

    private AccessLog() {
        this.target = null;
        this.capacity = 0;
        this.meters = null;
        this.writer = null;
        this.closing = true;
    }

    AccessLog(Target target, int capacity, Meters meters) {
        if (capacity < 1) {
            throw new IllegalArgumentException("access log queue capacity must be at least 1, got " + capacity);
        }
        this.target = target;
        this.capacity = capacity;
        this.meters = Objects.requireNonNull(meters, "meters");
        try {
            this.out = target.open();
        } catch (IOException e) {
            throw new UncheckedIOException("accessLog: " + e.getMessage(), e);
        }
        this.writer = new Thread(this::run, "phalanx-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * The access log named by the {@code accessLog} setting: {@code stdout} (also when null or blank), {@code off}, or
     * a file path.
     *
     * @throws UncheckedIOException with a message naming the path when the file cannot be opened for appending
     */
    public static AccessLog create(String setting, Meters meters) {
        if (setting == null || setting.isBlank() || setting.equals("stdout")) {
            return toStream(System.out, DEFAULT_CAPACITY, meters);
        }
        if (setting.equals("off")) {
            return off();
        }
        return toFile(Path.of(setting), DEFAULT_CAPACITY, meters);
    }

    /** The log that logs nothing ({@code accessLog: off}). */
    public static AccessLog off() {
        return OFF;
    }

    /** Appends to {@code file}; {@link #reopen()} opens the path again. */
    public static AccessLog toFile(Path file, int capacity, Meters meters) {
        return new AccessLog(new Target() {
            @Override
            public OutputStream open() throws IOException {
                try {
                    return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                            StandardOpenOption.WRITE);
                } catch (IOException e) {
                    throw new IOException("cannot open " + file + " for appending: " + describe(e), e);
                }
            }

            @Override
            public boolean owned() {
                return true;
            }
        }, capacity, meters);
    }

    /** Writes to a stream the caller owns (stdout); close() flushes it but leaves it open. */
    static AccessLog toStream(OutputStream stream, int capacity, Meters meters) {
        Objects.requireNonNull(stream, "stream");
        return new AccessLog(new Target() {
            @Override
            public OutputStream open() {
                return stream;
            }

            @Override
            public boolean owned() {
                return false;
            }
        }, capacity, meters);
    }

    /** False for {@code off}: then the proxy need not even build entries. */
    public boolean enabled() {
        return writer != null;
    }

    /** Queues one entry and returns at once; safe from any thread, never blocks. */
    public void log(AccessLogEntry entry) {
        if (closing) {
            return;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            meters.accessLogDropped();
            return;
        }
        queue.offer(entry);
        if (parked) {
            LockSupport.unpark(writer);
        }
    }

    /**
     * Asks the writer to write what it holds, open the file path again (after logrotate moved the old file away) and
     * close the old file. Returns at once; the future completes when the new file is in use, or fails with the reason
     * (the old file then stays in use). On stdout and {@code off} there is nothing to reopen.
     */
    public CompletableFuture<Void> reopen() {
        if (!enabled() || !target.owned() || closing) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> request = new CompletableFuture<>();
        CompletableFuture<Void> pending = reopenRequest.compareAndExchange(null, request);
        LockSupport.unpark(writer);
        if (pending != null) {
            return pending;
        }
        if (!writer.isAlive()) {
            request.complete(null); // closed meanwhile: nothing left to reopen
        }
        return request;
    }

    /** Writes every queued entry, flushes, closes a file; waits up to 10 s for the writer. Idempotent. */
    @Override
    public void close() {
        if (!enabled() || closing) {
            return;
        }
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            LOG.log(Level.WARNING, "access log: the writer did not finish within 10 s; the last lines may be lost");
        }
    }

    private void run() {
        AccessLogFormat format = new AccessLogFormat();
        Batch batch = new Batch();
        long lastFlush = System.nanoTime();
        while (true) {
            AccessLogEntry entry = queue.poll();
            if (entry != null) {
                queued.decrementAndGet();
                format.appendLine(batch.text, entry);
                batch.lines++;
                if (batch.text.length() >= BATCH_CHARS) {
                    write(batch, false);
                }
                long now = System.nanoTime();
                if (now - lastFlush >= FLUSH_INTERVAL_NANOS) {
                    write(batch, true);
                    lastFlush = now;
                }
                continue;
            }
            if (batch.lines > 0 || batch.unflushed) {
                write(batch, true);
                lastFlush = System.nanoTime();
            }
            CompletableFuture<Void> reopen = reopenRequest.get();
            if (reopen != null) {
                if (!queue.isEmpty()) {
                    continue; // entries logged before reopen() go to the old file
                }
                reopenRequest.set(null);
                reopen(reopen);
            }
            if (closing && queue.isEmpty()) {
                break;
            }
            parked = true;
            if (queue.isEmpty() && !closing && reopenRequest.get() == null) {
                LockSupport.parkNanos(this, FLUSH_INTERVAL_NANOS);
            }
            parked = false;
        }
        closeOutput();
        CompletableFuture<Void> late = reopenRequest.getAndSet(null);
        if (late != null) {
            late.complete(null);
        }
    }

    /** The lines formatted and not yet written, and whether written bytes still wait for a flush. */
    private static final class Batch {
        final StringBuilder text = new StringBuilder(BATCH_CHARS + 8192);
        int lines;
        boolean unflushed;
    }

    private void write(Batch batch, boolean flush) {
        try {
            if (batch.lines > 0) {
                byte[] bytes = batch.text.toString().getBytes(StandardCharsets.UTF_8);
                batch.text.setLength(0);
                out.write(bytes);
                batch.unflushed = true;
            }
            if (flush) {
                out.flush();
                batch.unflushed = false;
            }
        } catch (IOException e) {
            writeFailed(batch.lines, e);
            batch.unflushed = false;
        } finally {
            batch.lines = 0;
            batch.text.setLength(0);
        }
    }

    private void writeFailed(int lines, IOException e) {
        for (int i = 0; i < lines; i++) {
            meters.accessLogDropped();
        }
        long now = System.nanoTime();
        if (lastFailureReport == 0 || now - lastFailureReport > TimeUnit.MINUTES.toNanos(1)) {
            lastFailureReport = now;
            LOG.log(Level.ERROR, "access log: cannot write, " + lines + " lines lost (reported once a minute): "
                    + describe(e));
        }
    }

    private void reopen(CompletableFuture<Void> request) {
        OutputStream fresh;
        try {
            fresh = target.open();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "access log: reopen failed, still writing to the old file: " + e.getMessage());
            request.completeExceptionally(e);
            return;
        }
        closeOutput();
        out = fresh;
        request.complete(null);
    }

    private void closeOutput() {
        try {
            if (target.owned()) {
                out.close();
            } else {
                out.flush();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "access log: closing the output failed: " + describe(e));
        }
    }

    private static String describe(IOException e) {
        String type = e.getClass().getSimpleName();
        return e.getMessage() == null ? type : type + " " + e.getMessage();
    }
}
