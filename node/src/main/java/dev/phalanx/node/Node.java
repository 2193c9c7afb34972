package dev.phalanx.node;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.cluster.config.ConfigSource;
import dev.phalanx.cluster.config.EtcdConfigSource;
import dev.phalanx.cluster.config.FileConfigSource;
import dev.phalanx.cluster.config.SnapshotStore;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.LocalTicketKeyRing;
import dev.phalanx.cluster.state.QuotaService;
import dev.phalanx.cluster.state.TicketKeyRing;
import dev.phalanx.node.admin.AdminServer;
import dev.phalanx.node.cache.PurgeTarget;
import dev.phalanx.node.cache.ResponseStore;
import dev.phalanx.node.admin.VrrpStates;
import dev.phalanx.node.health.HealthChecker;
import dev.phalanx.node.health.OutlierDetector;
import dev.phalanx.node.http.DrainState;
import dev.phalanx.node.http.ProxyContext;
import dev.phalanx.node.listener.EventLoops;
import dev.phalanx.node.listener.ListenerServer;
import dev.phalanx.node.metrics.AccessLog;
import dev.phalanx.node.metrics.AccessLogObserver;
import dev.phalanx.node.metrics.ExchangeObserver;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.ratelimit.RateLimiter;
import dev.phalanx.node.routing.RouteTableHolder;
import dev.phalanx.node.tls.CertificateWatcher;
import dev.phalanx.node.tls.ListenerTls;
import dev.phalanx.node.tls.TlsEngines;
import dev.phalanx.node.upstream.ConnectionPools;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One Phalanx node: its lifecycle (start order, drain, stop) and the wiring of its parts, by constructor.
 * Start order: meters and event loops → upstream pools, health → last persisted snapshot → config source →
 * listeners → admin. Drain: {@link DrainSequence} (closing → releasing → finishing), then {@link #close()}.
 */
public final class Node implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Node.class.getName());
    public static final String VERSION = BuildInfo.current().version();
    /** How often certificate and key files are checked for changes (a stat each; read only when changed). */
    static final Duration CERTIFICATE_CHECK = Duration.ofSeconds(1);

    private final NodeConfig config;
    private final Meters meters = new Meters();
    private final EventLoops loops;
    private final ConnectionPools pools;
    private final SharedState shared;
    private final HealthChecker healthChecker;
    private final OutlierDetector outliers;
    private final RouteTableHolder routes = new RouteTableHolder();
    private final ConfigCompiler compiler;
    private final DrainState drain = new DrainState();
    private final VrrpStates vrrp;
    private final VrrpStateFile vrrpFile;
    private final DrainSequence drainSequence;
    private final AccessLog accessLog;
    private final RateLimiter limiter;
    private final ResponseStore cache;
    private final SnapshotStore snapshotStore;
    private final ConfigSource source;
    private final List<ListenerServer> listeners = new ArrayList<>();
    private final List<ListenerTls> tlsListeners = new ArrayList<>();
    private final TicketKeyRing ticketKeys;
    private final boolean ownsTicketKeys;
    private CertificateWatcher certificateWatcher;
    private final AdminServer admin;
    private final NodeAdminModel adminModel;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile ConfigSnapshot applied;

    public Node(NodeConfig config) {
        this(config, null);
    }

    /**
     * @param ticketKeys the session-ticket key ring of the TLS listeners (the grid's, or one shared by tests); null =
     *                   a {@link LocalTicketKeyRing} of this node, made when a listener has TLS and closed with it
     */
    public Node(NodeConfig config, TicketKeyRing ticketKeys) {
        this(config, ticketKeys, null);
    }

    /**
     * What a purge removes from this node's cache (the cluster's purge bus calls it, off the event loops); a target
     * that removes nothing when the node has no cache ({@code cache.maxBytes: 0}).
     */
    public PurgeTarget purgeTarget() {
        return cache != null ? cache : CachePurges.NO_CACHE;
    }

    /**
     * @param quota the rate limits' budgets instead of the shared state's (tests: a grid that answers when told);
     *              null = the grid's quota service with a grid, else local counters. Not closed by the node.
     */
    public Node(NodeConfig config, TicketKeyRing ticketKeys, QuotaService quota) {
        this.config = config;
        this.shared = SharedState.open(config); // the grid first: joining may take seconds, off any event loop
        boolean anyTls = config.listeners().stream().anyMatch(l -> l.tls() != null);
        // ticket keys: the caller's ring (tests), else the grid's, else a local one when a listener needs it
        TicketKeyRing ring = ticketKeys != null ? ticketKeys : shared.ticketKeys();
        this.ownsTicketKeys = ring == null && anyTls;
        this.ticketKeys = ownsTicketKeys ? new LocalTicketKeyRing(config.tickets().rotateEvery()) : ring;
        this.loops = new EventLoops(config.node().workerThreads());
        NodeConfig.UpstreamConfig up = config.upstream();
        this.pools = new ConnectionPools(loops.workers(), loops.socketChannelClass(), up.maxIdlePerEndpoint(),
                up.poolIdleTimeout().toMillis());
        this.healthChecker = new HealthChecker(loops.workers(), loops.socketChannelClass(), shared.board(),
                shared.assignment(), meters, config.node().id());
        shared.onAssignmentChange(healthChecker::assignmentChanged);
        this.outliers = new OutlierDetector(shared.board(), meters, config.node().id());
        // one store for every route with a cache, bounded by cache.maxBytes; none when that is 0
        this.cache = config.cache().maxBytes() > 0 ? new ResponseStore(config.cache().maxBytes(), meters) : null;
        shared.purges().bind(CachePurges.target(purgeTarget())); // purges reach the cache from now on
        CachePurges.registerMeters(meters, shared.purges());
        this.accessLog = AccessLog.create(config.accessLog(), meters);
        this.snapshotStore = new SnapshotStore(config.node().stateDir());
        this.source = config.config().etcd() != null
                ? new EtcdConfigSource(config.config().etcd(), config.node().id(), VERSION, snapshotStore)
                : new FileConfigSource(config.config().file(), snapshotStore);
        this.limiter = new RateLimiter(quota != null ? quota : shared.quota(), meters);
        this.compiler = new ConfigCompiler(up.retryBudgetPercent(), up.retryBudgetMinPerSecond());
        AccessLogObserver observer = new AccessLogObserver(accessLog, config.node().id());
        for (NodeConfig.ListenerConfig l : config.listeners()) {
            ProxyContext ctx = new ProxyContext(l.name(), l.tls() != null, routes, pools, meters,
                    outliers::onResult, accessLog.enabled() ? observer : ExchangeObserver.NONE,
                    drain, config.trustedProxies(), config.limits(), config.forwarded(), limiter, cache);
            ListenerTls tls = null;
            if (l.tls() != null) {
                tls = new ListenerTls(l.name(), l.tls(), this.ticketKeys, config.tickets().rotateEvery(), meters);
                tlsListeners.add(tls);
            }
            listeners.add(new ListenerServer(l, loops, ctx, config.limits().maxConnections(), tls));
        }
        this.vrrp = new VrrpStates(meters);
        this.vrrpFile = new VrrpStateFile(config.node().stateDir(), vrrp);
        vrrp.onReport(vrrpFile::saveSoon);
        this.drainSequence = new DrainSequence(config.drain(), config.limits().drainTimeout(), drain, listeners, vrrp,
                this::close);
        this.adminModel = new NodeAdminModel(config, source, listeners, shared,
                this.ticketKeys, meters, vrrp, new NodeAdminModel.Lifecycle() {
                    @Override
                    public ConfigSnapshot applied() {
                        return applied;
                    }

                    @Override
                    public boolean serving() {
                        return Node.this.serving();
                    }

                    @Override
                    public boolean draining() {
                        return drain.isDraining();
                    }

                    @Override
                    public String drainPhase() {
                        return !drain.isDraining() ? null : drain.isHandover() ? "handover" : drain.phase().text();
                    }

                    @Override
                    public ObjectNode drainStatus() {
                        return Node.this.drainStatus();
                    }

                    @Override
                    public void startDrain() {
                        Node.this.startDrain();
                    }

                    @Override
                    public com.fasterxml.jackson.databind.node.ArrayNode pools() {
                        return PoolStatus.toJson(compiler.pools().values(), outliers);
                    }
                });
        this.admin = new AdminServer(config.admin(), adminModel);
        meters.gauge("phalanx.config.revision", "revision of the config in force", this,
                n -> n.applied == null ? 0 : Math.max(n.source.current().revision(), 0));
        meters.gauge("phalanx.config.errors", "config objects rejected by validation", this,
                n -> n.applied == null ? 0 : n.applied.errors().size());
        meters.gauge("phalanx.grid.members", "members of the grid this node sees (1 without a grid)", this,
                n -> n.shared.membership().members().size());
        meters.gauge("phalanx.downstream.connections", "open downstream connections", this,
                n -> n.listeners.stream().mapToInt(ListenerServer::openConnections).sum());
    }

    /** Starts everything; throws with a clear message when a listener or the admin port cannot be bound. */
    public void start() {
        if (loops.epollUnavailabilityReason() != null) {
            LOG.warning("native epoll transport not available, using NIO: " + loops.epollUnavailabilityReason());
        }
        SnapshotStore.Loaded persisted = snapshotStore.load();
        if (persisted.error() != null) {
            LOG.warning("persisted snapshot not used: " + persisted.error());
        } else if (persisted.snapshot() != null) {
            LOG.info("persisted snapshot (revision " + persisted.snapshot().revision() + ") loaded");
            apply(persisted.snapshot());
        }
        source.start(this::onSnapshot); // delivers the first snapshot before it returns
        if (!tlsListeners.isEmpty()) {
            tlsListeners.forEach(ListenerTls::start); // reads the certificates; a bad file stops the start here
            certificateWatcher = new CertificateWatcher(tlsListeners, CERTIFICATE_CHECK);
            LOG.info("TLS engine: " + TlsEngines.name() + ", ticket keys: " + ticketKeys.kind());
        }
        for (ListenerServer l : listeners) {
            l.bind();
            LOG.info("listener " + l.name() + " on " + l.localAddress());
        }
        vrrpFile.load(); // what keepalived last reported (to the process this one may be taking over from)
        admin.start();
        LOG.info("node " + config.node().id() + " started (" + (loops.isEpoll() ? "epoll" : "nio") + ", admin on "
                + admin.localAddress() + ")");
    }

    private synchronized void onSnapshot(ConfigSnapshot snapshot) {
        snapshot.errors().forEach(e -> LOG.warning("config rejected: " + e));
        if (applied != null && snapshot.sameConfig(applied)) {
            applied = snapshot; // errors or revision changed, nothing to recompile
            return;
        }
        apply(snapshot); // the source persists it
    }

    /** Compiles off the event loops and publishes with one swap. */
    private synchronized void apply(ConfigSnapshot snapshot) {
        ConfigCompiler.Compiled c;
        try {
            c = compiler.compile(snapshot);
        } catch (RuntimeException e) {
            // validation should make this impossible; if not, the config in force stays
            LOG.severe("config revision " + snapshot.revision() + " not applied: " + e.getMessage());
            return;
        }
        c.removed().forEach(dev.phalanx.node.upstream.Endpoint::markRemoved);
        healthChecker.reconcile(c.healthTargets());
        outliers.reconcile(c.healthTargets());
        routes.swap(c.table());
        applied = snapshot;
        c.pools().values().forEach(p -> meters.registerPool(p.gauges()));
        c.removed().stream().map(dev.phalanx.node.upstream.Endpoint::poolId).distinct()
                .filter(id -> !c.pools().containsKey(id)).forEach(meters::removePool);
        pools.closeRemoved();
        LOG.info("config revision " + snapshot.revision() + " in force: " + snapshot.routes().size() + " routes, "
                + snapshot.pools().size() + " pools, " + snapshot.errors().size() + " errors");
    }

    /** Starts a graceful drain (idempotent); the node stops when it is over. */
    public void startDrain() {
        if (!drain.start()) {
            return;
        }
        Thread t = new Thread(drainSequence, "phalanx-drain");
        t.setDaemon(false);
        t.start();
    }

    /**
     * SIGUSR2: hand over to a new process of this node that already accepts on the same ports (an in-place upgrade,
     * docs/upgrade.md): stop accepting at once (with {@code net.ipv4.tcp_migrate_req=1} the kernel moves connections
     * not yet accepted to the new process), finish what is in flight, close idle connections, then stop. The VIPs
     * stay and /healthz stays 200: the new process holds them. Does nothing when a drain already started.
     */
    public void startHandover() {
        if (!drain.startHandover()) {
            return;
        }
        // the new process answers the admin port too: stop taking admin connections now, so none is cut off when
        // this process ends (answers in progress still go out)
        admin.stopAccepting();
        Thread t = new Thread(drainSequence::handover, "phalanx-handover");
        t.setDaemon(false);
        t.start();
    }

    /**
     * Why the node is not ready for an upgrade to hand over to it: {@code /readyz}'s reasons, plus
     * {@code config not in sync} while the config source is not in sync; empty when ready.
     */
    public List<String> notReadyReasons() {
        List<String> reasons = new ArrayList<>(adminModel.ready().reasons());
        if (!source.inSync()) {
            reasons.add("config not in sync");
        }
        return reasons;
    }

    /** The revision of the config in force (0 before the first). */
    public long appliedRevision() {
        ConfigSnapshot s = applied;
        return s == null ? 0 : s.revision();
    }

    /** SIGHUP: reopen the access-log file (after logrotate moved it). */
    public void reopenLogs() {
        accessLog.reopen();
    }

    /**
     * /healthz 200: config loaded, and no drain, or still in its {@code closing} phase, or a handover (the VIPs stay;
     * while the new process shares the admin port, keepalived's checks reach either process).
     */
    boolean serving() {
        DrainState.Phase phase = drain.phase();
        return applied != null && (phase == DrainState.Phase.SERVING || phase == DrainState.Phase.CLOSING
                || drain.isHandover());
    }

    boolean draining() {
        return drain.isDraining();
    }

    DrainState drainState() {
        return drain;
    }

    /** {@code /cluster}'s {@code "drain"} object. */
    ObjectNode drainStatus() {
        return drainSequence.status(listeners.stream().mapToInt(ListenerServer::openConnections).sum());
    }

    VrrpStates vrrp() {
        return vrrp;
    }

    ConfigSnapshot appliedSnapshot() {
        return applied;
    }

    ConfigSource source() {
        return source;
    }

    List<ListenerServer> listeners() {
        return listeners;
    }

    NodeConfig config() {
        return config;
    }

    Meters meters() {
        return meters;
    }

    HealthBoard board() {
        return shared.board();
    }

    SharedState shared() {
        return shared;
    }

    /** Tests: purges reach {@code target} instead of the node's cache from now on. */
    void bindPurgeTarget(dev.phalanx.node.cache.PurgeTarget target) {
        shared.purges().bind(CachePurges.target(target));
    }

    /** The ticket-key ring of the TLS listeners, or null when the node has none. */
    public TicketKeyRing ticketKeys() {
        return ticketKeys;
    }

    public InetSocketAddress adminAddress() {
        return admin.localAddress();
    }

    /** The bound address of the named listener. */
    public InetSocketAddress listenerAddress(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no listener " + name)).localAddress();
    }

    /** Blocks until the node stopped (after a drain or {@link #close()}). */
    public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }

    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        drain.advanceTo(DrainState.Phase.FINISHING);
        listeners.forEach(ListenerServer::stopAccepting);
        if (certificateWatcher != null) {
            certificateWatcher.close();
        }
        tlsListeners.forEach(ListenerTls::close);
        if (ownsTicketKeys) {
            ticketKeys.close();
        }
        source.close();
        healthChecker.close();
        outliers.close();
        pools.closeAllIdle();
        limiter.close();
        admin.close();
        vrrpFile.close();
        loops.close();
        if (cache != null) {
            cache.close(); // after the event loops: no hit holds an object any more
        }
        accessLog.close();
        shared.close(); // last: leaves the grid gracefully
        stopped.countDown();
    }

}
