package dev.phalanx.cluster.state;

import com.hazelcast.map.IMap;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Ticket keys agreed cluster-wide without a leader. The key of epoch {@code e} is whatever the first member stored
 * with {@code putIfAbsent(e, sealed)} in an IMap; every member reads it back and installs it. A refresh on the ring's
 * own thread (never an event loop) runs several times per epoch and makes sure the previous, current and next epochs
 * have keys, so the next key is known a whole epoch ahead of its boundary.
 *
 * <p>When the grid does not answer (or refuses a write because this member is on a minority side of a split
 * brain) the ring makes a local key for the epoch and keeps serving; it retries the grid on the next refresh. Once
 * the grid answers with an agreed key that differs from the local one, the agreed key takes over encryption and the
 * local one stays installed for decryption until its epoch leaves the ring, so tickets issued meanwhile still
 * resume here. An agreed key, once installed, is never replaced: with {@code PutIfAbsentMergePolicy} and majority
 * writes the map never changes the value of an epoch, and this ring ignores a different value for an epoch it has
 * already taken from the grid (it logs it). Key material is sealed with {@link TicketKeyCipher} before it is stored.
 */
final class GridTicketKeyRing implements TicketKeyRing {
    private static final System.Logger LOG = System.getLogger(GridTicketKeyRing.class.getName());
    private static final long CALL_TIMEOUT_MILLIS = 3000;

    private final IMap<Long, byte[]> map;
    private final TicketKeyCipher cipher;
    private final long rotateMillis;
    private final ScheduledExecutorService thread;
    private final CopyOnWriteArrayList<Consumer<List<TicketKey>>> listeners = new CopyOnWriteArrayList<>();
    /** Epoch → key taken from the grid (agreed). Ring thread only. */
    private final Map<Long, TicketKey> agreed = new HashMap<>();
    /** Epoch → key made here while the grid did not answer. Ring thread only. */
    private final Map<Long, TicketKey> local = new HashMap<>();
    private volatile List<TicketKey> keys;
    private volatile List<Long> agreedEpochs = List.of();

    GridTicketKeyRing(IMap<Long, byte[]> map, TicketKeyCipher cipher, Duration rotateEvery) {
        this.map = map;
        this.cipher = cipher;
        this.rotateMillis = Math.max(1000, rotateEvery.toMillis());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-ticket-keys");
            t.setDaemon(true);
            return t;
        });
        refresh(); // on the caller's thread (start-up, never an event loop): keys() is never empty
        long period = Math.max(100, Math.min(rotateMillis / 10, 5000));
        thread.scheduleWithFixedDelay(this::refreshQuietly, period, period, TimeUnit.MILLISECONDS);
    }

    long epochOf(long epochMillis) {
        return Math.floorDiv(epochMillis, rotateMillis);
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
        return "grid";
    }

    /** The epochs whose key in use here came from the grid. */
    List<Long> agreedEpochs() {
        return agreedEpochs;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ticket key refresh failed: " + e, e);
        }
    }

    private synchronized void refresh() {
        long current = epochOf(System.currentTimeMillis());
        for (long epoch : new long[] {current, current + 1, current - 1}) {
            if (!agreed.containsKey(epoch)) {
                fetch(epoch, epoch >= current);
            }
        }
        agreed.keySet().removeIf(e -> e < current - 1);
        local.keySet().removeIf(e -> e < current - 1);
        agreedEpochs = agreed.keySet().stream().sorted().toList();
        List<TicketKey> next = new ArrayList<>();
        for (long epoch : new long[] {current, current + 1, current - 1}) {
            TicketKey a = agreed.get(epoch);
            TicketKey l = local.get(epoch);
            if (a != null) {
                next.add(a);
            }
            if (l != null && (a == null || !Arrays.equals(a.name(), l.name()))) {
                next.add(l);
            }
        }
        if (!next.equals(keys)) {
            keys = List.copyOf(next);
            for (Consumer<List<TicketKey>> listener : listeners) {
                try {
                    listener.accept(keys);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "ticket key listener failed: " + e, e);
                }
            }
        }
    }

    /** Takes the agreed key of {@code epoch} from the grid, proposing one when it has none and {@code create}. */
    private void fetch(long epoch, boolean create) {
        long ttl = rotateMillis * 4;
        try {
            byte[] stored = map.getAsync(epoch).toCompletableFuture().get(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            if (stored == null && create) {
                TicketKey proposal = local.containsKey(epoch) ? local.get(epoch) : TicketKeyCipher.randomKey(epoch);
                byte[] sealed = cipher.seal(proposal);
                // bounded by the grid's operation timeout (10 s); a minority side fails at once
                byte[] existing = map.putIfAbsent(epoch, sealed, ttl, TimeUnit.MILLISECONDS);
                stored = existing == null ? sealed : existing;
            }
            if (stored != null) {
                agreed.put(epoch, cipher.open(epoch, stored));
            }
        } catch (GeneralSecurityException e) {
            LOG.log(System.Logger.Level.ERROR, "ticket key of epoch " + epoch + " in the grid cannot be decrypted "
                    + "with this node's grid.secretFile (is the secret the same on every node?); using a local key");
            localKey(epoch, create);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            localKey(epoch, create);
        } catch (Exception e) {
            boolean first = create && !local.containsKey(epoch);
            boolean minority = rootMessage(e).startsWith("SplitBrainProtectionException");
            String why = minority ? "this member does not see a majority of the grid's expected members"
                    : "grid did not answer: " + rootMessage(e);
            LOG.log(first ? (minority ? System.Logger.Level.INFO : System.Logger.Level.WARNING)
                    : System.Logger.Level.DEBUG, "ticket key of epoch " + epoch + " is local until the grid agrees one ("
                    + why + ")");
            localKey(epoch, create);
        }
    }

    private void localKey(long epoch, boolean create) {
        if (create && !local.containsKey(epoch)) {
            local.put(epoch, TicketKeyCipher.randomKey(epoch));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
