package dev.phalanx.cluster.state;

import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Probes an endpoint here when this member owns the grid partition of its key. The owner table is copied from
 * Hazelcast by {@link #refresh} (on membership changes and every half second, on a grid thread), so
 * {@link #probesLocally} only hashes the key and reads an array: quick and non-blocking, fit for event loops. A
 * partition without a known owner (start-up, the member stopping) is probed here: probing twice is better than not
 * at all.
 */
final class PartitionProbeAssignment implements ProbeAssignment {
    private static final int MAX_CACHED_KEYS = 100_000;

    private final PartitionService partitions;
    private final UUID self;
    private final ConcurrentHashMap<String, Integer> partitionOfKey = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile UUID[] owners = new UUID[0];

    PartitionProbeAssignment(PartitionService partitions, UUID self) {
        this.partitions = partitions;
        this.self = self;
    }

    @Override
    public boolean probesLocally(String key) {
        UUID[] table = owners;
        Integer partition = partitionOfKey.get(key);
        if (partition == null) {
            try {
                partition = partitions.getPartition(key).getPartitionId();
            } catch (RuntimeException stopped) {
                return true;
            }
            if (partitionOfKey.size() > MAX_CACHED_KEYS) {
                partitionOfKey.clear();
            }
            partitionOfKey.put(key, partition);
        }
        UUID owner = partition < table.length ? table[partition] : null;
        return owner == null || owner.equals(self);
    }

    /** Copies the partition owner table. Off event loops (it may wait for the first partition arrangement). */
    void refresh() {
        try {
            UUID[] next = new UUID[partitions.getPartitions().size()];
            for (Partition p : partitions.getPartitions()) {
                var owner = p.getOwner();
                if (p.getPartitionId() < next.length) {
                    next[p.getPartitionId()] = owner == null ? null : owner.getUuid();
                }
            }
            changed(next);
        } catch (RuntimeException stopped) {
            changed(new UUID[0]);
        }
    }

    /** Registers {@code onChange}, run on the refreshing thread after the owner table changed. */
    HealthBoard.Registration addListener(Runnable onChange) {
        listeners.add(onChange);
        return () -> listeners.remove(onChange);
    }

    private void changed(UUID[] next) {
        if (Arrays.equals(next, owners)) {
            return;
        }
        owners = next;
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                System.getLogger(PartitionProbeAssignment.class.getName()).log(System.Logger.Level.WARNING,
                        "probe assignment listener failed: " + e, e);
            }
        }
    }
}
