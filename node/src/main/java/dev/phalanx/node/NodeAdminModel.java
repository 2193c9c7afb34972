package dev.phalanx.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.cluster.config.ConfigSource;
import dev.phalanx.cluster.config.EtcdConfigSource;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.ConfigSnapshotCodec;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.cluster.state.Membership;
import dev.phalanx.cluster.state.TicketKeyRing;
import dev.phalanx.node.admin.AdminModel;
import dev.phalanx.node.admin.ReadyState;
import dev.phalanx.node.admin.VrrpReport;
import dev.phalanx.node.listener.ListenerServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the admin API shows of a node (CONTRACT.md "Admin API"). */
final class NodeAdminModel implements AdminModel {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Node node;

    NodeAdminModel(Node node) {
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
        return node.draining() ? node.drainState().phase().text() : null;
    }

    @Override
    public boolean reportVrrp(VrrpReport report) {
        return node.vrrp().report(report);
    }

    @Override
    public ReadyState ready() {
        List<String> reasons = new ArrayList<>();
        if (node.appliedSnapshot() == null) {
            reasons.add("config not loaded");
        }
        for (ListenerServer l : node.listeners()) {
            if (!l.isBound()) {
                reasons.add("listener " + l.name() + " not bound");
            }
        }
        if (node.config().grid() != null && !node.shared().membership().joined()) {
            reasons.add("grid not joined");
        }
        if (node.draining()) {
            reasons.add("draining");
        }
        return ReadyState.of(reasons);
    }

    @Override
    public String configSync() {
        ConfigSource source = node.source();
        long revision = source.current().revision();
        if (source.inSync()) {
            return "config: " + source.kind() + " in sync at revision " + revision;
        }
        String why = source instanceof EtcdConfigSource etcd && etcd.problem() != null ? " (" + etcd.problem() + ")"
                : "";
        return "config: " + source.kind() + " NOT in sync" + why + "; serving revision " + revision;
    }

    @Override
    public String configJson() {
        ConfigSnapshot s = node.appliedSnapshot();
        ObjectNode out = s == null ? JSON.createObjectNode() : ConfigSnapshotCodec.toJson(s);
        out.put("source", node.source().kind());
        out.put("inSync", node.source().inSync());
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
        SharedState shared = node.shared();
        Membership membership = shared.membership();
        ObjectNode out = JSON.createObjectNode();
        out.put("node", node.config().node().id());
        out.put("version", Node.VERSION);
        out.put("grid", node.config().grid() == null ? "none (single node, all state local)"
                : membership.joined() ? "joined" : "not joined");
        if (shared.grid() != null) {
            out.put("clusterName", node.config().grid().clusterName());
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
        TicketKeyRing ring = node.ticketKeys();
        if (ring != null) {
            ring.epochs().forEach(epochs::add);
            out.put("ticketKeys", ring.kind());
        }
        out.set("drain", node.drainStatus());
        out.set("vrrp", node.vrrp().toJson());
        ObjectNode health = out.putObject("health");
        for (HealthVerdict.Source source : HealthVerdict.Source.values()) {
            Map<String, HealthVerdict> verdicts = node.board().snapshot(source);
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
    public void startDrain() {
        node.startDrain();
    }

    @Override
    public String metrics() {
        return node.meters().scrape();
    }
}
