package dev.phalanx.cluster.state;

import java.util.ArrayDeque;
import java.util.List;

/**
 * Purges asked on this node while the grid was split that the other side may never get: refused by the purge log
 * (no majority here), never logged, or (a grid without majority protection) asked while members were missing. The bus
 * sends them again, as new purges, once the grid is whole. At most {@link #MAX} are kept (the oldest go first).
 */
final class SplitPurges {
    static final int MAX = 1000;
    private final ArrayDeque<PurgeMessage> waiting = new ArrayDeque<>();

    synchronized void remember(PurgeMessage message) {
        if (waiting.size() == MAX) {
            waiting.removeFirst();
        }
        waiting.addLast(message);
    }

    /** Everything kept, oldest first; the list is empty afterwards. */
    synchronized List<PurgeMessage> drain() {
        List<PurgeMessage> all = List.copyOf(waiting);
        waiting.clear();
        return all;
    }

    synchronized int size() {
        return waiting.size();
    }
}
