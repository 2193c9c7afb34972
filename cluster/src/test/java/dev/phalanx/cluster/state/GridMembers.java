package dev.phalanx.cluster.state;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Real Hazelcast members in this JVM: 127.0.0.1, free ports, TCP-IP join to each other, no multicast, a cluster
 * name of their own, short heartbeat timeouts so a killed member is noticed within seconds.
 */
public final class GridMembers implements AutoCloseable {
    private static final Logger HZ_LOG = Logger.getLogger("com.hazelcast");
    public final List<HazelcastInstance> members = new ArrayList<>();

    static {
        HZ_LOG.setLevel(Level.WARNING);
    }

    public static GridMembers start(int n) {
        String name = "phalanx-test-" + UUID.randomUUID();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ports.add(freePort());
        }
        List<CompletableFuture<HazelcastInstance>> starting = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Config c = config(name, ports.get(i), ports);
            starting.add(CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(c)));
        }
        GridMembers g = new GridMembers();
        starting.forEach(f -> g.members.add(f.join()));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (g.members.stream().anyMatch(m -> m.getCluster().getMembers().size() < n)) {
            if (System.nanoTime() > deadline) {
                g.close();
                throw new IllegalStateException("members did not form a cluster of " + n);
            }
            sleep(50);
        }
        return g;
    }

    private static Config config(String name, int port, List<Integer> ports) {
        Config c = new Config();
        c.setClusterName(name);
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(port).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        ports.forEach(p -> join.getTcpIpConfig().addMember("127.0.0.1:" + p));
        return c;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        members.forEach(m -> m.getLifecycleService().terminate());
    }
}
