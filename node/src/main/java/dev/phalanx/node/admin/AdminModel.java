package dev.phalanx.node.admin;

/**
 * What the admin API shows and controls; the node implements it. {@link AdminServer} calls every method on its own
 * single admin event loop thread (never a data-plane one), so implementations must be thread-safe and should answer
 * from state they already hold (an atomic snapshot, a registry scrape): a call that blocks stalls only the admin API,
 * but it does stall all of it, including keepalived's {@code /healthz} check.
 */
public interface AdminModel {

    /**
     * True while the node wants to hold its VIPs: false before the first config is loaded and from the drain's
     * {@code releasing} phase on (it stays true in {@code closing}, while the node tells clients to close their
     * connections). {@code GET /healthz} answers 200 exactly when this is true.
     */
    boolean serving();

    /**
     * The drain phase ({@code closing}, {@code releasing}, {@code finishing}) once a drain started, else null;
     * {@code /healthz} names it in its body.
     */
    String drainPhase();

    /**
     * True once a graceful drain started (by {@code POST /drain}, SIGTERM or anything else). Tells {@code /healthz}
     * whether a node that is not serving is {@code draining} or still {@code starting}, and keeps
     * {@code POST /drain} from starting a second drain.
     */
    boolean draining();

    /**
     * Whether the node is ready: config loaded, every listener bound, and (with a grid configured) the grid joined.
     * While draining, an implementation should report not ready with the reason {@code "draining"}.
     */
    ReadyState ready();

    /**
     * One line about the config source for {@code /readyz}, e.g. {@code "config: etcd in sync at revision 42"} or
     * {@code "config: etcd NOT in sync (...); serving revision 40"}; null to say nothing. Informational only: a node
     * whose source is out of reach stays ready, since it keeps serving its last good config
     * (docs/architecture.md#rules-that-keep-the-house-simple, rule 8).
     */
    default String configSync() {
        return null;
    }

    /** {@code GET /config}: {@code {"source": "etcd|file", "revision": N, "routes": [...], "pools": [...], "errors": [...]}}. */
    String configJson();

    /**
     * {@code GET /cluster}: grid members, this node's id, ticket-key epochs in use (never key material) and the
     * health board summary, as one JSON object.
     */
    String clusterJson();

    /**
     * Starts a graceful drain and returns at once (the drain goes on elsewhere). {@link AdminServer} calls it at
     * most once, and not at all when {@link #draining()} is already true.
     */
    void startDrain();

    /**
     * {@code POST /vrrp}: keepalived's notify script reports a transition of one of its instances (already checked).
     * Called on the admin thread; must not block.
     *
     * @return false when the report was not kept because it names a new instance and the node keeps no more
     */
    boolean reportVrrp(VrrpReport report);

    /**
     * {@code POST /cache/purge}: purges on every node (docs/cache.md#purging-across-the-cluster). Must not block: the
     * future completes with the answer's JSON object when every node acknowledged or the timeout passed.
     */
    default java.util.concurrent.CompletableFuture<String> purge(dev.phalanx.node.cache.Purge purge,
                                                                 java.time.Duration timeout) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new UnsupportedOperationException("this node cannot purge"));
    }

    /** {@code GET /metrics}: Prometheus text exposition format 0.0.4 (e.g. {@code Meters.scrape()}). */
    String metrics();
}
