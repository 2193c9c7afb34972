package dev.phalanx.cluster.state;

import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MemberAttributeConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ReplicatedMapConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.spi.merge.LatestUpdateMergePolicy;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The Hazelcast member configuration Phalanx runs: TCP-IP join to {@code grid.members} only (no multicast, no
 * auto-detection, no phone-home), Jet off, JUL logging, no shutdown hook (the node shuts the member down gracefully
 * after its drain), failure detection in seconds rather than a minute, and per-structure merge policies and a
 * split-brain protection rule (see {@link #configure}).
 */
final class GridConfigs {
    /** Map of agreed ticket keys (epoch → encrypted key); suffixed with the rotation period in milliseconds. */
    static final String TICKETS_MAP = "phalanx.tickets.";
    /** Replicated map of health verdicts ({@code SOURCE:pool/address} → verdict). */
    static final String HEALTH_MAP = "phalanx.health";
    /** Map holding the head of the purge log ({@code "<history> <generation>"}). */
    static final String PURGE_HEAD_MAP = "phalanx.purge.head";
    /** Map holding the purge log (generation → {@code "<history> KIND value"}). */
    static final String PURGE_LOG_MAP = "phalanx.purge.log";
    /** Split-brain protection rule name; rate-limit structures may use it too. */
    static final String MAJORITY = "phalanx-majority";
    /** The member attribute that carries the Phalanx node id. */
    static final String NODE_ID_ATTRIBUTE = "phalanx.node";

    private GridConfigs() {
    }

    /**
     * Ticket keys: an IMap with one backup and {@link PutIfAbsentMergePolicy}: after a split brain heals, the side
     * that merges into the other keeps nothing it wrote for an epoch the other side already has (the target's value
     * stays), so every epoch ends with exactly one key. Writes need a majority of the expected members that sent a
     * heartbeat in the last 5 s ({@link #MAJORITY}), so a minority side never writes one at all (nor a member that
     * wakes from a long pause before it learns it was dropped): it keeps local keys until it is back.
     *
     * <p>Health: a replicated map (reads are local) with {@link LatestUpdateMergePolicy}: the newest verdict wins.
     */
    static Config configure(NodeConfig.GridConfig grid, String nodeId) {
        Config config = new Config();
        config.setClusterName(grid.clusterName());
        config.setInstanceName("phalanx-" + nodeId);
        config.setProperty("hazelcast.logging.type", "jdk");
        GridLogging.setLevel(grid.logLevel());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.health.monitoring.level", "OFF");
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
        config.setProperty("hazelcast.max.join.seconds", "20");
        config.setProperty("hazelcast.wait.seconds.before.join", "1");
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        config.setProperty("hazelcast.graceful.shutdown.max.wait", "20");
        config.setProperty("hazelcast.operation.call.timeout.millis", "10000");
        config.getJetConfig().setEnabled(false);
        config.setMemberAttributeConfig(new MemberAttributeConfig().setAttribute(NODE_ID_ATTRIBUTE, nodeId));

        NetworkConfig network = config.getNetworkConfig();
        // portCount > 1: the first free port from bind's up (the new process of an in-place upgrade takes the next
        // one while the old process still holds its port); every member is looked for at all of its ports
        network.setPort(grid.bind().port()).setPortAutoIncrement(grid.portCount() > 1)
                .setPortCount(grid.portCount());
        String host = grid.bind().host();
        if (!"0.0.0.0".equals(host) && !"::".equals(host)) {
            config.setProperty("hazelcast.local.localAddress", host);
            config.setProperty("hazelcast.socket.bind.any", "false");
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(3);
        for (HostPort member : grid.members()) {
            for (int i = 0; i < grid.portCount(); i++) {
                join.getTcpIpConfig().addMember(new HostPort(member.host(), member.port() + i).toString());
            }
        }

        int expected = expectedMembers(grid);
        boolean protect = expected >= 3;
        if (protect) {
            // "recently active": a member counts only if it sent a heartbeat in the last 5 s, so a member that wakes
            // up from a long pause (and still believes in its old member list) cannot write before it is merged
            SplitBrainProtectionConfig majority = SplitBrainProtectionConfig
                    .newRecentlyActiveSplitBrainProtectionConfigBuilder(MAJORITY, expected / 2 + 1, 5000)
                    .enabled(true).build();
            config.addSplitBrainProtectionConfig(majority.setProtectOn(SplitBrainProtectionOn.WRITE));
        }
        MapConfig tickets = new MapConfig(TICKETS_MAP + "*")
                .setBackupCount(1)
                .setInMemoryFormat(InMemoryFormat.BINARY)
                .setMergePolicyConfig(new MergePolicyConfig(PutIfAbsentMergePolicy.class.getName(), 100));
        if (protect) {
            tickets.setSplitBrainProtectionName(MAJORITY);
        }
        config.addMapConfig(tickets);
        // rate-limit budgets: a minority side cannot lease from the grid and falls back to its share, so a split
        // grid admits at most limit + (minority nodes) x limit / expected instead of twice the limit
        MapConfig quota = new MapConfig(QuotaServices.MAP_NAME).setBackupCount(1);
        if (protect) {
            quota.setSplitBrainProtectionName(MAJORITY);
        }
        config.addMapConfig(quota);
        // purges: the generation counter and the log are written only by a majority side (with 3+ expected members),
        // and after a heal the side that merges keeps nothing the other side already has
        for (String name : new String[] {PURGE_HEAD_MAP, PURGE_LOG_MAP}) {
            MapConfig purge = new MapConfig(name).setBackupCount(1)
                    .setMergePolicyConfig(new MergePolicyConfig(PutIfAbsentMergePolicy.class.getName(), 100));
            if (protect) {
                purge.setSplitBrainProtectionName(MAJORITY);
            }
            config.addMapConfig(purge);
        }
        config.addExecutorConfig(new ExecutorConfig(GridPurgeBus.EXECUTOR).setPoolSize(2).setQueueCapacity(1000));
        config.addReplicatedMapConfig(new ReplicatedMapConfig(HEALTH_MAP)
                .setInMemoryFormat(InMemoryFormat.OBJECT)
                .setAsyncFillup(true)
                .setMergePolicyConfig(new MergePolicyConfig(LatestUpdateMergePolicy.class.getName(), 100)));
        return config;
    }

    /** How many members the cluster should have: the configured members plus this one, duplicates counted once. */
    static int expectedMembers(NodeConfig.GridConfig grid) {
        Set<String> all = new LinkedHashSet<>();
        for (HostPort m : grid.members()) {
            all.add(m.host() + ":" + m.port());
        }
        boolean selfListed = grid.members().stream().anyMatch(m -> m.port() == grid.bind().port()
                && (m.host().equals(grid.bind().host()) || "0.0.0.0".equals(grid.bind().host())));
        return all.size() + (selfListed ? 0 : 1);
    }
}
