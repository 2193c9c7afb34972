package dev.phalanx.cluster.config;

import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Cluster mode: routes and pools from etcd ({@link EtcdKeys} layout), by the read-then-watch recipe.
 * <ol>
 *   <li>Read the whole config range at one revision R, validate, deliver (if anything changed).</li>
 *   <li>Watch the range from R+1 with progress notifications. Each watch response is applied as one change (the
 *       keys of one transaction arrive together); responses that queue up while a change is being applied are
 *       applied together (a burst is coalesced, the latest value wins).</li>
 *   <li>Every {@code heartbeat} the watch is asked for progress; an answer with a revision lower than the one
 *       applied (etcd wiped or restored from an older backup), a compaction, a cancelled watch, an error, or no
 *       answer for {@code staleAfter} (lost connection) drops the watch and starts again at 1: a full re-read that
 *       is a no-op when nothing changed. Retries back off exponentially with jitter; gRPC tries every endpoint.</li>
 * </ol>
 * An invalid value is not applied: its object keeps its last good version (SnapshotAssembler) and the error names
 * the key. Delivered snapshots are persisted ({@link SnapshotStore}); the node's status key is kept up to date
 * ({@link NodeStatusWriter}). All state is touched by one thread, {@code phalanx-etcd-config}.
 */
public final class EtcdConfigSource implements ConfigSource {
    private static final System.Logger LOG = System.getLogger(EtcdConfigSource.class.getName());
    /** Above this many queued watch responses the queue is dropped and the prefix read again (bounded memory). */
    static final int MAX_QUEUED = 50_000;

    /** Timings; {@link #DEFAULTS} in production, shorter in tests. */
    public record Timings(Duration heartbeat, Duration staleAfter, Duration backoffMin, Duration backoffMax,
                          Duration callTimeout, Duration firstLoadWait, Duration statusTtl) {
    }

    public static final Timings DEFAULTS = new Timings(Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(3),
            Duration.ofSeconds(10));

    private final EtcdConfig config;
    private final EtcdKeys keys;
    private final SnapshotStore store;
    private final Timings timings;
    private final NodeStatusWriter status;
    private final ScheduledExecutorService exec;
    private final EtcdConfigState state;
    private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final CountDownLatch firstDelivery = new CountDownLatch(1);
    private final SnapshotPersister persister;
    private volatile ConfigSnapshot current = new ConfigSnapshot("etcd", 0, List.of(), List.of(), List.of());
    private volatile boolean inSync;
    private volatile String problem = "not connected yet";
    private final EtcdClientHolder client;
    private volatile boolean closed;
    private boolean started;
    // below: touched only by the config thread
    private Consumer<ConfigSnapshot> onChange;
    private ConfigSnapshot lastDelivered;
    private ConfigSnapshot persisted;
    private Watch.Watcher watcher;
    private int generation;
    private long lastAnswerNanos;
    private int failures;
    private boolean resyncScheduled;

    private record Queued(int generation, WatchResponse response) {
    }

    public EtcdConfigSource(EtcdConfig config, String nodeId, String version, SnapshotStore store) {
        this(config, nodeId, version, store, DEFAULTS);
    }

    public EtcdConfigSource(EtcdConfig config, String nodeId, String version, SnapshotStore store, Timings timings) {
        this.config = config;
        this.keys = new EtcdKeys(config.prefix());
        this.store = store;
        this.timings = timings;
        this.state = new EtcdConfigState(keys);
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-etcd-config");
            t.setDaemon(true);
            return t;
        });
        this.persister = store == null ? null : new SnapshotPersister(store, "phalanx-etcd-persist");
        this.client = new EtcdClientHolder(config);
        this.status = new NodeStatusWriter(client, keys.key(EtcdKeys.NODES, nodeId), nodeId, version,
                timings.statusTtl());
    }

    /**
     * Loads the persisted snapshot, then reads etcd on the config thread and waits up to {@code firstLoadWait} for
     * the first snapshot, so that a node whose etcd answers starts with the current config. If etcd does not answer,
     * start returns anyway: the node serves its persisted snapshot and catches up when etcd is back.
     */
    @Override
    public synchronized void start(Consumer<ConfigSnapshot> onChange) {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        this.onChange = onChange;
        if (store != null) {
            SnapshotStore.Loaded loaded = store.load();
            if (loaded.snapshot() != null) {
                current = loaded.as("etcd", true);
                persisted = current;
            }
            if (loaded.error() != null) {
                LOG.log(System.Logger.Level.WARNING, loaded.error().toString());
            }
        }
        status.start();
        exec.execute(this::resync);
        exec.scheduleWithFixedDelay(this::heartbeat, timings.heartbeat().toMillis(), timings.heartbeat().toMillis(),
                TimeUnit.MILLISECONDS);
        try {
            if (!firstDelivery.await(timings.firstLoadWait().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "etcd " + config.endpoints() + " not reachable at start ("
                        + problem + "); serving the persisted snapshot (revision " + current.revision()
                        + ") and catching up when etcd answers");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public ConfigSnapshot current() {
        return current;
    }

    @Override
    public String kind() {
        return "etcd";
    }

    @Override
    public boolean inSync() {
        return inSync;
    }

    @Override
    public String problem() {
        return inSync ? null : problem;
    }

    public EtcdKeys keys() {
        return keys;
    }

    @Override
    public void close() {
        closed = true;
        exec.shutdown(); // lets a change being applied (and persisted) finish
        try {
            if (!exec.awaitTermination(5, TimeUnit.SECONDS)) {
                exec.shutdownNow();
            }
        } catch (InterruptedException e) {
            exec.shutdownNow();
            Thread.currentThread().interrupt();
        }
        if (persister != null) {
            persister.close(); // the newest snapshot waiting is still written
        }
        status.close();
        client.close();
    }

    // ---- the config thread from here on ----

    /** Reads the whole range at one revision, reconciles, and watches from the next revision. */
    private void resync() {
        resyncScheduled = false;
        if (closed) {
            return;
        }
        dropWatch();
        try {
            GetResponse r = client.get().getKVClient().get(keys.configRangeStart(),
                            GetOption.builder().withRange(keys.configRangeEnd()).build())
                    .get(timings.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
            long revision = r.getHeader().getRevision();
            if (revision < current.revision()) {
                LOG.log(System.Logger.Level.WARNING, "etcd revision went backwards (" + current.revision() + " → "
                        + revision + "): etcd was restored or wiped; the config is taken from it as it is now");
            }
            state.clear();
            for (KeyValue kv : r.getKvs()) {
                state.put(EtcdKeys.text(kv.getKey()), kv.getValue().getBytes());
            }
            startWatch(revision + 1);
            failures = 0;
            lastAnswerNanos = System.nanoTime();
            setInSync(true, null);
            deliverIfChanged(state.assemble(revision, current), revision < current.revision());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failed("reading " + keys.prefix() + " failed: " + EtcdClients.describe(e));
        }
    }

    private void startWatch(long fromRevision) {
        int gen = ++generation;
        WatchOption option = WatchOption.builder().withRange(keys.configRangeEnd()).withRevision(fromRevision)
                .withProgressNotify(true).withRequireLeader(true).build();
        watcher = client.get().getWatchClient().watch(keys.configRangeStart(), option, Watch.listener(
                response -> enqueue(gen, response),
                error -> post(() -> watchFailed(gen, error)),
                () -> post(() -> watchFailed(gen, null))));
    }

    private void dropWatch() {
        generation++;
        if (watcher != null) {
            try {
                watcher.close();
            } catch (RuntimeException e) {
                // already broken
            }
            watcher = null;
        }
        queue.clear();
        queued.set(0);
    }

    /** jetcd's thread: queue the response and make sure one drain runs. */
    private void enqueue(int gen, WatchResponse response) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            post(() -> {
                if (gen == generation) {
                    LOG.log(System.Logger.Level.WARNING, "more than " + MAX_QUEUED + " watch responses queued;"
                            + " reading the whole config again");
                    scheduleResync(true);
                }
            });
            return;
        }
        queue.add(new Queued(gen, response));
        if (drainScheduled.compareAndSet(false, true)) {
            post(this::drain);
        }
    }

    /** Runs {@code task} on the config thread; dropped once the source is closed. */
    private void post(Runnable task) {
        try {
            exec.execute(task);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Applies every queued response, then validates and delivers once. */
    private void drain() {
        drainScheduled.set(false);
        boolean changed = false;
        long revision = current.revision();
        Queued q;
        while ((q = queue.poll()) != null) {
            queued.decrementAndGet();
            if (q.generation != generation || resyncScheduled) {
                continue;
            }
            lastAnswerNanos = System.nanoTime();
            long header = q.response.getHeader().getRevision();
            if (header > 0 && header < current.revision()) {
                LOG.log(System.Logger.Level.WARNING, "etcd answered with revision " + header + ", lower than the "
                        + current.revision() + " applied: etcd was restored or wiped; reading the config again");
                scheduleResync(true);
                return;
            }
            for (WatchEvent event : q.response.getEvents()) {
                String key = EtcdKeys.text(event.getKeyValue().getKey());
                boolean configKey = event.getEventType() == WatchEvent.EventType.DELETE ? state.delete(key)
                        : event.getEventType() == WatchEvent.EventType.PUT
                        && state.put(key, event.getKeyValue().getValue().getBytes());
                changed |= configKey;
                revision = Math.max(revision, event.getKeyValue().getModRevision());
            }
        }
        if (!inSync) {
            setInSync(true, null);
        }
        if (changed) {
            deliverIfChanged(state.assemble(revision, current), false);
        }
    }

    private void watchFailed(int gen, Throwable error) {
        if (gen != generation || closed) {
            return;
        }
        if (error instanceof CompactedException c) {
            LOG.log(System.Logger.Level.WARNING, "etcd compacted the history the watch needed (compact revision "
                    + c.getCompactedRevision() + "); reading the whole config again");
            scheduleResync(true);
            return;
        }
        failed(error == null ? "the watch was closed by etcd" : "the watch failed: " + EtcdClients.describe(error));
    }

    /** Every heartbeat: ask for progress; no answer for staleAfter means the connection is lost. */
    private void heartbeat() {
        if (closed || watcher == null || resyncScheduled || !queue.isEmpty()) {
            return; // answers waiting to be applied: etcd is talking
        }
        long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastAnswerNanos);
        if (silentMs > timings.staleAfter().toMillis()) {
            failed("etcd did not answer for " + silentMs + " ms");
            return;
        }
        try {
            watcher.requestProgress();
        } catch (RuntimeException e) {
            failed("asking etcd for progress failed: " + EtcdClients.describe(e));
        }
    }

    private void failed(String why) {
        if (closed) {
            return;
        }
        failures++;
        if (failures == 1 || failures % 20 == 0) {
            LOG.log(System.Logger.Level.WARNING, "etcd " + config.endpoints() + ": " + why + "; serving revision "
                    + current.revision() + " and retrying (attempt " + failures + ")");
        }
        setInSync(false, why);
        dropWatch();
        if (failures % 5 == 0) {
            client.reset(); // a fresh client re-authenticates and re-resolves every endpoint
        }
        scheduleResync(false);
    }

    private void scheduleResync(boolean now) {
        if (resyncScheduled || closed) {
            return;
        }
        resyncScheduled = true;
        dropWatch();
        long delay = 0;
        if (!now) {
            long max = Math.min(timings.backoffMax().toMillis(),
                    timings.backoffMin().toMillis() << Math.min(20, failures - 1));
            delay = max / 2 + ThreadLocalRandom.current().nextLong(max / 2 + 1); // jitter: half to full
        }
        exec.schedule(this::resync, delay, TimeUnit.MILLISECONDS);
    }

    private void setInSync(boolean sync, String why) {
        problem = why;
        if (inSync != sync) {
            inSync = sync;
            if (sync) {
                LOG.log(System.Logger.Level.INFO, "etcd " + config.endpoints() + ": in sync");
            }
            ConfigSnapshot c = current;
            if (lastDelivered != null) {
                status.publish(c.revision(), c.errors(), sync);
            }
        }
    }

    /**
     * Delivers when the routes, pools or errors differ from the last delivery (or {@code force}: the revision went
     * backwards, so the node's revision must follow); otherwise only the revision in force moves on.
     */
    private void deliverIfChanged(ConfigSnapshot next, boolean force) {
        ConfigSnapshot last = lastDelivered;
        boolean same = last != null && next.sameConfig(last) && next.errors().equals(last.errors());
        current = next;
        if (same && !force) {
            status.publish(next.revision(), next.errors(), inSync);
            return;
        }
        lastDelivered = next;
        if (!next.errors().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "etcd revision " + next.revision() + ": " + next.errors().size()
                    + " problem(s): " + next.errors());
        }
        try {
            onChange.accept(next);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "applying config revision " + next.revision() + " failed", e);
        }
        status.publish(next.revision(), next.errors(), inSync);
        firstDelivery.countDown();
        if (store != null && !next.sameConfig(persisted)) {
            persisted = next;
            persister.save(next); // on its own thread: a large snapshot's fsync never delays the next change
        }
    }
}
