package dev.phalanx.cluster.state;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The single-node {@link TicketKeyRing}: keys made in memory with {@link SecureRandom}, one per epoch
 * ({@code floor(now / rotateEvery)}), never written anywhere. {@link #keys()} is {@code [current, next, previous]}:
 * the current key encrypts new tickets; the next one decrypts (so the ring can be shared with a clock slightly
 * ahead); the previous one decrypts tickets issued before the last rotation. A timer thread moves to the next epoch
 * at each boundary and tells the listeners. A node restart makes new keys, so tickets do not survive it (the grid
 * ring's job); a listener restart inside the node keeps the ring and so resumes sessions.
 */
public final class LocalTicketKeyRing implements TicketKeyRing {
    private static final Logger LOG = Logger.getLogger(LocalTicketKeyRing.class.getName());

    private final long periodMillis;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<Long, TicketKey> byEpoch = new TreeMap<>();
    private final List<Consumer<List<TicketKey>>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;
    private volatile List<TicketKey> keys;

    public LocalTicketKeyRing(Duration rotateEvery) {
        this(rotateEvery, System::currentTimeMillis, true);
    }

    /**
     * @param clock     epoch milliseconds
     * @param scheduled rotate on a timer thread; false = only when {@link #rotateNow()} is called (tests)
     */
    public LocalTicketKeyRing(Duration rotateEvery, LongSupplier clock, boolean scheduled) {
        if (rotateEvery.toMillis() < 1000) {
            throw new IllegalArgumentException("tickets.rotateEvery must be at least 1s");
        }
        this.periodMillis = rotateEvery.toMillis();
        this.clock = clock;
        rotateNow();
        if (scheduled) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "phalanx-ticket-keys");
                t.setDaemon(true);
                return t;
            });
            scheduleNext();
        } else {
            timer = null;
        }
    }

    /** The epoch of a time: {@code floor(millis / rotateEvery)}. */
    public long epochAt(long epochMillis) {
        return Math.floorDiv(epochMillis, periodMillis);
    }

    /** Brings the keys to the clock's epoch; tells the listeners when they changed. */
    public void rotateNow() {
        List<TicketKey> changed;
        synchronized (byEpoch) {
            long e = epochAt(clock.getAsLong());
            byEpoch.keySet().removeIf(k -> k < e - 1 || k > e + 1);
            // a previous key is only ever one that was current before: no one holds tickets of a new one
            byEpoch.computeIfAbsent(e, this::newKey);
            byEpoch.computeIfAbsent(e + 1, this::newKey);
            List<TicketKey> next = new ArrayList<>(3);
            next.add(byEpoch.get(e));
            next.add(byEpoch.get(e + 1));
            if (byEpoch.containsKey(e - 1)) {
                next.add(byEpoch.get(e - 1));
            }
            next = List.copyOf(next);
            if (next.equals(keys)) {
                return;
            }
            keys = next;
            changed = next;
        }
        for (Consumer<List<TicketKey>> l : listeners) {
            try {
                l.accept(changed);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, "ticket key listener failed", ex);
            }
        }
    }

    private void scheduleNext() {
        long now = clock.getAsLong();
        long delay = (epochAt(now) + 1) * periodMillis - now;
        timer.schedule(() -> {
            rotateNow();
            scheduleNext();
        }, Math.max(1, delay), TimeUnit.MILLISECONDS);
    }

    private TicketKey newKey(long epoch) {
        byte[] name = new byte[TicketKey.PART_BYTES];
        byte[] hmac = new byte[TicketKey.PART_BYTES];
        byte[] aes = new byte[TicketKey.PART_BYTES];
        random.nextBytes(name);
        random.nextBytes(hmac);
        random.nextBytes(aes);
        return new TicketKey(epoch, name, hmac, aes);
    }

    @Override
    public List<TicketKey> keys() {
        return keys;
    }

    @Override
    public HealthBoard.Registration onChange(Consumer<List<TicketKey>> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public String kind() {
        return "local";
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        listeners.clear();
    }
}
