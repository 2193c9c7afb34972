package dev.phalanx.cluster.state;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The health board of a single node (no grid configured): two in-memory maps. Listeners run on the thread that
 * published; a listener that throws does not stop the others.
 */
public final class LocalHealthBoard implements HealthBoard {
    private static final System.Logger LOG = System.getLogger(LocalHealthBoard.class.getName());

    private final Map<HealthVerdict.Source, ConcurrentHashMap<String, HealthVerdict>> slots =
            new EnumMap<>(HealthVerdict.Source.class);
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();

    public LocalHealthBoard() {
        for (HealthVerdict.Source source : HealthVerdict.Source.values()) {
            slots.put(source, new ConcurrentHashMap<>());
        }
    }

    @Override
    public void publish(String key, HealthVerdict verdict) {
        slots.get(verdict.source()).put(key, verdict);
        notifyListeners(key, verdict.source(), verdict);
    }

    @Override
    public HealthVerdict read(String key, HealthVerdict.Source source) {
        return slots.get(source).get(key);
    }

    @Override
    public void remove(String key, HealthVerdict.Source source) {
        if (slots.get(source).remove(key) != null) {
            notifyListeners(key, source, null);
        }
    }

    @Override
    public Map<String, HealthVerdict> snapshot(HealthVerdict.Source source) {
        return Map.copyOf(slots.get(source));
    }

    @Override
    public Registration addListener(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void notifyListeners(String key, HealthVerdict.Source source, HealthVerdict verdict) {
        for (Listener listener : listeners) {
            try {
                listener.changed(key, source, verdict);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "health board listener failed on " + key, e);
            }
        }
    }
}
