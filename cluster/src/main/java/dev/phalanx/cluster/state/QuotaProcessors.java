package dev.phalanx.cluster.state;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The two entry processors of the quota map (value: tokens granted so far in the entry's window). Each runs
 * atomically on the partition owner of its key and again, with the same input, on the backup.
 */
final class QuotaProcessors {
    private QuotaProcessors() {
    }

    /**
     * Charges {@code charge} tokens the node granted itself from its fallback share while the grid was unreachable
     * (so the budget left after the grid is back accounts for them), then grants {@code min(wanted, limit -
     * granted)}. The entry expires one window after its window ended.
     */
    static final class Lease implements EntryProcessor<String, Long, Integer> {
        private static final long serialVersionUID = 1L;
        private final long limit;
        private final int wanted;
        private final long ttlMillis;
        private final long charge;

        Lease(long limit, int wanted, long ttlMillis, long charge) {
            this.limit = limit;
            this.wanted = wanted;
            this.ttlMillis = ttlMillis;
            this.charge = charge;
        }

        @Override
        public Integer process(Map.Entry<String, Long> entry) {
            Long value = entry.getValue();
            long granted = (value == null ? 0 : value) + charge;
            long give = Math.max(0, Math.min(wanted, limit - granted));
            if (give > 0 || charge > 0) {
                ((ExtendedMapEntry<String, Long>) entry).setValue(granted + give, ttlMillis, TimeUnit.MILLISECONDS);
            }
            return (int) give;
        }
    }

    /** Takes back up to {@code unused} tokens; a window already forgotten stays forgotten. */
    static final class GiveBack implements EntryProcessor<String, Long, Void> {
        private static final long serialVersionUID = 1L;
        private final int unused;

        GiveBack(int unused) {
            this.unused = unused;
        }

        @Override
        public Void process(Map.Entry<String, Long> entry) {
            Long value = entry.getValue();
            if (value != null && value > 0) {
                ((ExtendedMapEntry<String, Long>) entry).setValueWithoutChangingExpiryTime(Math.max(0, value - unused));
            }
            return null;
        }
    }
}
