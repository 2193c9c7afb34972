package dev.phalanx.cluster.state;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real in-memory purge target: records what it was asked, removes one object per purge, may be slow. */
final class RecordingPurgeTarget implements PurgeBus.Target {
    final List<PurgeMessage> applied = new CopyOnWriteArrayList<>();
    final AtomicInteger clears = new AtomicInteger();
    volatile long delayMillis;
    volatile int stored = 100;

    @Override
    public int apply(PurgeMessage message) {
        sleep();
        applied.add(message);
        return 1;
    }

    @Override
    public int clear() {
        clears.incrementAndGet();
        int n = stored;
        stored = 0;
        return n;
    }

    private void sleep() {
        long d = delayMillis;
        if (d > 0) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
