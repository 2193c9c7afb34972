package dev.phalanx.node;

import dev.phalanx.node.cache.Purge;
import dev.phalanx.node.cache.PurgeTarget;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real in-memory purge target for tests: records each purge, removes one object per purge, may be slow. */
final class RecordingCache implements PurgeTarget {
    final List<Purge> purges = new CopyOnWriteArrayList<>();
    final AtomicInteger clears = new AtomicInteger();
    volatile long delayMillis;

    @Override
    public int apply(Purge purge) {
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        purges.add(purge);
        return 1;
    }

    @Override
    public int clear() {
        clears.incrementAndGet();
        return 0;
    }
}
