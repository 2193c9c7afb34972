package dev.phalanx.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.cluster.config.ConfigSource;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.ConfigSnapshotCodec;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.cluster.state.Membership;
import dev.phalanx.cluster.state.TicketKeyRing;
import dev.phalanx.node.admin.AdminModel;
import dev.phalanx.node.admin.ReadyState;
import dev.phalanx.node.admin.VrrpReport;
import dev.phalanx.node.admin.VrrpStates;
import dev.phalanx.node.listener.ListenerServer;
import dev.phalanx.node.metrics.Meters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the admin API shows of a node (docs/contract.md#admin-api). It sees the parts it reports on and the node's
 * lifecycle through {@link Lifecycle}, not the whole {@link Node}.
 */
final class NodeAdminModel implements AdminModel {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The node's state as the admin API needs it. */
    interface Lifecycle {
        /** The snapshot in force, or null before the first one was applied. */
        ConfigSnapshot applied();

        /** Whether the node wants to keep traffic (and its VIPs): config loaded, not past the drain's closing. */
        boolean serving();

        boolean draining();

        /** The drain's phase as {@code /healthz} names it, or null while not draining. */
        String drainPhase();

        /** The drain's progress for {@code /cluster}: phase, connections, requests in flight. */
        ObjectNode drainStatus();

        void startDrain();

        /** The {@code pools} view of {@code /cluster} ({@link PoolStatus}). */
        ArrayNode pools();
    }

    private final NodeConfig config;
    private final ConfigSource source;
    private final List<ListenerServer> listeners;
    private final SharedState shared;
    private final TicketKeyRing ticketKeys;
    private final Meters meters;
    private final VrrpStates vrrp;
    private final Lifecycle node;

    /** @param ticketKeys the TLS listeners' ticket-key ring, or null when the node has no TLS listener */
    NodeAdminModel(NodeConfig config, ConfigSource source, List<ListenerServer> listeners, SharedState shared,
                   TicketKeyRing ticketKeys, Meters meters, VrrpStates vrrp, Lifecycle node) {
        this.config = config;
        this.source = source;
        this.listeners = listeners;
        this.shared = shared;
        this.ticketKeys = ticketKeys;
        this.meters = meters;
        this.vrrp = vrrp;
        this.node = node;
    }

    @Override
    public boolean serving() {
        return node.serving();
    }

    @Override
    public boolean draining() {
        return node.draining();
    }

    @Override
    public String drainPhase() {
        return node.drainPhase();
    }

    @Override
    public boolean reportVrrp(VrrpReport report) {
        return vrrp.report(report);
    }

    @Override
    public ReadyState ready() {
        List<String> reasons = new ArrayList<>();
        if (node.applied() == null) {
            reasons.add("config not loaded");
        }
        for (ListenerServer l : listeners) {
            if (!l.isBound()) {
                reasons.add("listener " + l.name() + " not bound");
            }
        }
        if (config.grid() != null && !shared.membership().joined()) {
            reasons.add("grid not joined");
        }
        if (node.draining()) {
            reasons.add("draining");
        }
        return ReadyState.of(reasons);
    }

    @Override
    public String configSync() {
        long revision = source.current().revision();
        if (source.inSync()) {
            return "config: " + source.kind() + " in sync at revision " + revision;
        }
        String why = source.problem() != null ? " (" + source.problem() + ")" : "";
        return "config: " + source.kind() + " NOT in sync" + why + "; serving revision " + revision;
    }

    @Override
    public String configJson() {
        ConfigSnapshot s = node.applied();
        ObjectNode out = s == null ? JSON.createObjectNode() : ConfigSnapshotCodec.toJson(s);
        out.put("source", source.kind());
        out.put("inSync", source.inSync());
        if (s == null) {
            out.put("revision", 0);
            out.putArray("routes");
            out.putArray("pools");
            out.putArray("errors");
        }
        return out.toString();
    }

    @Override
    public String clusterJson() {
        Membership membership = shared.membership();
        ObjectNode out = JSON.createObjectNode();
        out.put("node", config.node().id());
        out.put("version", Node.VERSION);
        out.put("build", BuildInfo.current().build());
        out.put("grid", config.grid() == null ? "none (single node, all state local)"
                : membership.joined() ? "joined" : "not joined");
        if (shared.grid() != null) {
            out.put("clusterName", config.grid().clusterName());
            out.put("joinMillis", shared.grid().joinMillis());
        }
        ArrayNode members = out.putArray("members");
        for (Membership.Member m : membership.members()) {
            ObjectNode o = members.addObject().put("id", m.nodeId()).put("self", m.self());
            if (!m.address().isEmpty()) {
                o.put("address", m.address());
            }
        }
        ArrayNode epochs = out.putArray("ticketEpochs"); // epochs only, never key material
        TicketKeyRing ring = ticketKeys;
        if (ring != null) {
            ring.epochs().forEach(epochs::add);
            out.put("ticketKeys", ring.kind());
        }
        out.set("drain", node.drainStatus());
        out.set("vrrp", vrrp.toJson());
        out.set("pools", node.pools());
        out.set("purge", CachePurges.status(shared.purges()));
        ObjectNode health = out.putObject("health");
        for (HealthVerdict.Source source : HealthVerdict.Source.values()) {
            Map<String, HealthVerdict> verdicts = shared.board().snapshot(source);
            ObjectNode bySource = health.putObject(source.name().toLowerCase(java.util.Locale.ROOT));
            bySource.put("endpoints", verdicts.size());
            bySource.put("unhealthy", verdicts.values().stream().filter(v -> !v.healthy()).count());
            ObjectNode byKey = bySource.putObject("verdicts");
            new TreeMap<>(verdicts).forEach((key, v) -> byKey.putObject(key)
                    .put("healthy", v.healthy()).put("node", v.nodeId()).put("reason", v.reason())
                    .put("at", java.time.Instant.ofEpochMilli(v.atMillis()).toString()));
        }
        return out.toString();
    }

    @Override
    public java.util.concurrent.CompletableFuture<String> purge(dev.phalanx.node.cache.Purge purge,
                                                                java.time.Duration timeout) {
        return shared.purges().purge(CachePurges.message(purge), timeout).thenApply(CachePurges::json);
    }

    @Override
    public void startDrain() {
        node.startDrain();
    }

    @Override
    public String metrics() {
        return meters.scrape();
    }
}
