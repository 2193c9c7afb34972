package dev.phalanx.cluster.state;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The health board in the grid: one replicated map, so reads are local (a copy lives in every member) and writes
 * replicate to the others. Keys are {@code SOURCE:pool/address}. Listeners run on Hazelcast's event threads, for
 * changes made by any member, this one included.
 */
final class GridHealthBoard implements HealthBoard {
    private static final System.Logger LOG = System.getLogger(GridHealthBoard.class.getName());

    private final ReplicatedMap<String, HealthVerdict> map;

    GridHealthBoard(ReplicatedMap<String, HealthVerdict> map) {
        this.map = map;
    }

    private static String slot(String key, HealthVerdict.Source source) {
        return source.name() + ':' + key;
    }

    @Override
    public void publish(String key, HealthVerdict verdict) {
        map.put(slot(key, verdict.source()), verdict);
    }

    @Override
    public HealthVerdict read(String key, HealthVerdict.Source source) {
        try {
            return map.get(slot(key, source));
        } catch (RuntimeException e) {
            return null; // the member is shutting down: no verdict
        }
    }

    @Override
    public void remove(String key, HealthVerdict.Source source) {
        map.remove(slot(key, source));
    }

    @Override
    public Map<String, HealthVerdict> snapshot(HealthVerdict.Source source) {
        String prefix = source.name() + ':';
        Map<String, HealthVerdict> out = new HashMap<>();
        try {
            for (Map.Entry<String, HealthVerdict> e : map.entrySet()) {
                if (e.getKey().startsWith(prefix)) {
                    out.put(e.getKey().substring(prefix.length()), e.getValue());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "health board unreadable: " + e);
        }
        return Map.copyOf(out);
    }

    @Override
    public Registration addListener(Listener listener) {
        UUID id = map.addEntryListener(new EntryListener<String, HealthVerdict>() {
            @Override
            public void entryAdded(EntryEvent<String, HealthVerdict> event) {
                tell(listener, event.getKey(), event.getValue());
            }

            @Override
            public void entryUpdated(EntryEvent<String, HealthVerdict> event) {
                tell(listener, event.getKey(), event.getValue());
            }

            @Override
            public void entryRemoved(EntryEvent<String, HealthVerdict> event) {
                tell(listener, event.getKey(), null);
            }

            @Override
            public void entryEvicted(EntryEvent<String, HealthVerdict> event) {
                tell(listener, event.getKey(), null);
            }

            @Override
            public void entryExpired(EntryEvent<String, HealthVerdict> event) {
                tell(listener, event.getKey(), null);
            }

            @Override
            public void mapCleared(MapEvent event) {
            }

            @Override
            public void mapEvicted(MapEvent event) {
            }
        });
        return () -> {
            try {
                map.removeEntryListener(id);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "health listener not removed (member stopped): " + e);
            }
        };
    }

    private static void tell(Listener listener, String slot, HealthVerdict verdict) {
        int colon = slot.indexOf(':');
        HealthVerdict.Source source;
        try {
            source = HealthVerdict.Source.valueOf(slot.substring(0, Math.max(0, colon)));
        } catch (IllegalArgumentException e) {
            return;
        }
        try {
            listener.changed(slot.substring(colon + 1), source, verdict);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "health board listener failed on " + slot, e);
        }
    }
}
