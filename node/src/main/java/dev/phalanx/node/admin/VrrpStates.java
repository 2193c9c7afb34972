package dev.phalanx.node.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.node.metrics.Meters;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The latest VRRP state keepalived reported for each of its instances on this host ({@code POST /vrrp}), with the
 * time that state began. At most {@link #MAX_INSTANCES} instances are kept, so a bad caller cannot grow the node's
 * memory or its metrics; a report for an instance already kept is always taken. Each instance gets the gauge
 * {@code phalanx_vrrp_master{instance}} (1 while MASTER). Thread-safe: the admin thread writes, the drain thread and
 * metric scrapes read.
 */
public final class VrrpStates {
    private static final Logger LOG = Logger.getLogger(VrrpStates.class.getName());
    public static final int MAX_INSTANCES = 64;

    /** One instance's latest report and when its current state began (an unchanged state keeps its time). */
    public record Entry(VrrpReport report, Instant since) {
    }

    private final Map<String, Entry> byInstance = new ConcurrentHashMap<>();
    private volatile Runnable onReport = () -> { };
    private final Meters meters;
    private final Clock clock;

    public VrrpStates(Meters meters) {
        this(meters, Clock.systemUTC());
    }

    VrrpStates(Meters meters, Clock clock) {
        this.meters = Objects.requireNonNull(meters, "meters");
        this.clock = clock;
    }

    /**
     * Keeps {@code report} as its instance's latest state and logs a change of state.
     *
     * @return false (and nothing kept) when the report names a new instance and {@link #MAX_INSTANCES} are kept
     */
    public synchronized boolean report(VrrpReport report) {
        Entry old = byInstance.get(report.instance());
        if (old == null && byInstance.size() >= MAX_INSTANCES) {
            return false;
        }
        boolean changed = old == null || old.report().state() != report.state();
        byInstance.put(report.instance(), new Entry(report, changed ? clock.instant() : old.since()));
        if (old == null) {
            String instance = report.instance();
            meters.vrrpMaster(instance, () -> isMaster(instance));
        }
        onReport.run();
        if (changed) {
            LOG.info("VRRP " + report.instance() + ": " + (old == null ? "(first report)" : old.report().state())
                    + " -> " + report.state() + ", vips " + report.vips()
                    + (report.priority() == null ? "" : ", priority " + report.priority()));
        }
        return true;
    }

    /** Called after every kept report (on the reporter's thread: it must not block). */
    public void onReport(Runnable listener) {
        this.onReport = Objects.requireNonNull(listener, "listener");
    }

    /** True until the first report: then no keepalived tells this node anything, and a drain waits a fixed time. */
    public boolean isEmpty() {
        return byInstance.isEmpty();
    }

    public boolean isMaster(String instance) {
        Entry e = byInstance.get(instance);
        return e != null && e.report().state() == VrrpReport.State.MASTER;
    }

    /** The instances whose latest state is MASTER, by name. */
    public List<String> masters() {
        return byInstance.values().stream().filter(e -> e.report().state() == VrrpReport.State.MASTER)
                .map(e -> e.report().instance()).sorted().toList();
    }

    /**
     * {@code /cluster}'s {@code "vrrp"}:
     * {@code [{"instance":"VI_2","state":"MASTER","vips":["172.31.0.102"],"priority":150,"since":"ISO-8601"}]}.
     */
    public ArrayNode toJson() {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Entry e : entries()) {
            ObjectNode o = out.addObject().put("instance", e.report().instance())
                    .put("state", e.report().state().name());
            e.report().vips().forEach(o.putArray("vips")::add);
            if (e.report().priority() != null) {
                o.put("priority", e.report().priority());
            }
            o.put("since", e.since().toString());
        }
        return out;
    }

    /** Every instance's latest entry, by name. */
    public List<Entry> entries() {
        return byInstance.values().stream()
                .sorted(java.util.Comparator.comparing(e -> e.report().instance())).toList();
    }
}
