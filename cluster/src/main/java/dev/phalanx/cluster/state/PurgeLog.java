package dev.phalanx.cluster.state;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The grid's purge history: a head entry {@code "<history> <generation>"} (the newest generation, and the id of the
 * history it counts in, made by the first purge of a grid) and a bounded log {@code generation → "<history> KIND
 * value"} holding the last {@link #capacity()} purges. A new generation comes from one entry processor on the head
 * (atomic on its partition owner); the log entry is written next, and the entry {@code capacity} generations older
 * is removed. Every call waits at most the time it is given and is made off event loops.
 */
final class PurgeLog {
    static final String HEAD_KEY = "head";
    /** The most generations one {@link #read} asks for; a longer replay takes several rounds. */
    static final int READ_BATCH = 500;

    /** The head as read: a history id and its newest generation. */
    record Head(String history, long generation) {
        /** {@code "<history> <generation>[ <recent purge ids>]"}. */
        static Head parse(String value) {
            String[] parts = value.split(" ", 3);
            return new Head(parts[0], Long.parseLong(parts[1]));
        }
    }

    /** One logged purge. */
    record Entry(String history, PurgeMessage message) {
        static Entry parse(String value) {
            int space = value.indexOf(' ');
            return new Entry(value.substring(0, space), PurgeMessage.decode(value.substring(space + 1)));
        }
    }

    private final IMap<String, String> head;
    private final IMap<Long, String> log;
    private final int capacity;

    PurgeLog(IMap<String, String> head, IMap<Long, String> log, int capacity) {
        this.head = head;
        this.log = log;
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** The head, or null when no purge was ever made in this grid. */
    Head head(long timeoutMillis) throws Exception {
        String v = await(head.getAsync(HEAD_KEY).toCompletableFuture(), timeoutMillis);
        return v == null ? null : Head.parse(v);
    }

    /**
     * Takes the next generation and logs {@code message} under it. When the log write fails after the generation
     * was taken, the generation is still returned with {@code logged} false (the members get the purge; a node that
     * was away finds the gap and clears its cache).
     *
     * Calling it again with the same {@code purgeId} (after a timeout) gets the same generation, not a new one.
     *
     * @param newHistory the history id to start when the grid has none yet
     * @param purgeId    this purge's id, unique
     */
    Allocated append(PurgeMessage message, String newHistory, String purgeId, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        String v = await(head.submitToKey(HEAD_KEY, new Next(newHistory, purgeId)).toCompletableFuture(),
                timeoutMillis);
        Head h = Head.parse(v);
        try {
            await(log.setAsync(h.generation(), h.history() + ' ' + message.encode()).toCompletableFuture(),
                    Math.max(1, deadline - System.currentTimeMillis()));
            if (h.generation() > capacity) {
                log.removeAsync(h.generation() - capacity); // best effort: the bound, not correctness
            }
            return new Allocated(h, true);
        } catch (Exception e) {
            return new Allocated(h, false);
        }
    }

    record Allocated(Head head, boolean logged) {
    }

    /**
     * The logged entries of generations {@code from..to} (inclusive, at most {@link #READ_BATCH} of them from
     * {@code from} on) that are still in the log.
     */
    Map<Long, Entry> read(long from, long to, long timeoutMillis) throws Exception {
        long last = Math.min(to, from + READ_BATCH - 1);
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Map<Long, java.util.concurrent.CompletableFuture<String>> pending = new TreeMap<>();
        for (long g = from; g <= last; g++) {
            pending.put(g, log.getAsync(g).toCompletableFuture());
        }
        Map<Long, Entry> out = new TreeMap<>();
        for (Map.Entry<Long, java.util.concurrent.CompletableFuture<String>> p : pending.entrySet()) {
            String v = await(p.getValue(), Math.max(1, deadline - System.currentTimeMillis()));
            if (v != null) {
                out.put(p.getKey(), Entry.parse(v));
            }
        }
        return out;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f, long timeoutMillis) throws Exception {
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception c ? c : e;
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new TimeoutException("the grid did not answer within " + timeoutMillis + " ms");
        }
    }

    /**
     * Increments the head's generation; starts the history {@code newHistory} at generation 1 when there is none.
     * The head remembers the ids of the last {@link #RECENT_IDS} purges with their generations, so a purge whose call
     * timed out and is retried gets the generation it was given the first time. Deterministic (the ids come from
     * the caller), so it can run again on the backup.
     */
    static final class Next implements EntryProcessor<String, String, String> {
        private static final long serialVersionUID = 1L;
        static final int RECENT_IDS = 64;
        private final String newHistory;
        private final String purgeId;

        Next(String newHistory, String purgeId) {
            this.newHistory = newHistory;
            this.purgeId = purgeId;
        }

        @Override
        public String process(Map.Entry<String, String> entry) {
            String v = entry.getValue();
            String history = newHistory;
            long generation = 0;
            java.util.List<String> recent = new java.util.ArrayList<>();
            if (v != null) {
                String[] parts = v.split(" ", 3);
                history = parts[0];
                generation = Long.parseLong(parts[1]);
                if (parts.length > 2) {
                    for (String idGen : parts[2].split(",")) {
                        int colon = idGen.lastIndexOf(':');
                        if (idGen.substring(0, colon).equals(purgeId)) {
                            return history + ' ' + idGen.substring(colon + 1); // a retry: same generation
                        }
                        recent.add(idGen);
                    }
                }
            }
            generation++;
            recent.add(purgeId + ':' + generation);
            while (recent.size() > RECENT_IDS) {
                recent.remove(0);
            }
            entry.setValue(history + ' ' + generation + ' ' + String.join(",", recent));
            return history + ' ' + generation;
        }
    }
}
