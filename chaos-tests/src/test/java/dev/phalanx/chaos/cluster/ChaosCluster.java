package dev.phalanx.chaos.cluster;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Network;
import dev.phalanx.chaos.infra.Docker;
import dev.phalanx.chaos.infra.DockerEngine;
import dev.phalanx.chaos.infra.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * The containerised cluster: 3 etcd members, 3 backends and 3 Phalanx nodes (each with keepalived) on one bridge
 * network with fixed addresses. Built images, started containers, the steady state between scenarios, and
 * clean-up of what it started.
 */
public final class ChaosCluster implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChaosCluster.class.getName());
    private final Topology topo;
    private final Path workDir;
    private final Path projectDir;
    private final DockerEngine engine;
    private final Docker docker;
    private final EtcdHttp etcd;
    private ClusterFiles files;
    private AdminClient admin;
    private String image;
    private long baselineRevision;
    private long imageBuildMs;
    private long startMs;

    private ChaosCluster(Topology topo, Path workDir, Path projectDir, DockerEngine engine, Docker docker) {
        this.topo = topo;
        this.workDir = workDir;
        this.projectDir = projectDir;
        this.engine = engine;
        this.docker = docker;
        this.etcd = new EtcdHttp(topo.etcdEndpoints());
    }

    /** Starts the engine if needed, builds the images if missing, and starts the cluster until it is steady. */
    public static ChaosCluster start(Topology topo, Path workDir, Path projectDir) {
        DockerEngine engine = DockerEngine.ensure(workDir.resolve("dockerd.log"));
        ChaosCluster c = new ChaosCluster(topo, workDir, projectDir, engine, Docker.connect());
        try {
            c.boot();
            return c;
        } catch (RuntimeException e) {
            c.dumpLogs();
            c.close();
            throw e;
        }
    }

    public Topology topo() {
        return topo;
    }

    public Docker docker() {
        return docker;
    }

    public EtcdHttp etcd() {
        return etcd;
    }

    public AdminClient admin() {
        return admin;
    }

    public ClusterFiles files() {
        return files;
    }

    public DockerEngine engine() {
        return engine;
    }

    public long imageBuildMs() {
        return imageBuildMs;
    }

    public long startMs() {
        return startMs;
    }

    private void boot() {
        long t0 = System.nanoTime();
        String base = Images.base(docker, workDir);
        image = Images.node(docker, base, projectDir);
        imageBuildMs = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        removeLeftovers();
        docker.client().createNetworkCmd().withName(topo.network()).withDriver("bridge")
                .withLabels(Map.of(Topology.LABEL, "1"))
                .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(topo.subnet())
                        .withGateway(topo.gateway())))
                .exec();
        files = ClusterFiles.create(topo, workDir.resolve("cluster"));
        admin = new AdminClient(files.adminToken());
        List<GenericContainer<?>> etcds = new ArrayList<>();
        for (int i = 1; i <= Topology.ETCD; i++) {
            etcds.add(container(topo.etcdName(i), "etcd-" + i, topo.etcdIp(i)).withCommand(etcdArgs(i)));
        }
        List<GenericContainer<?>> backends = new ArrayList<>();
        for (int i = 1; i <= Topology.BACKENDS; i++) {
            backends.add(container(topo.backendName(i), "backend-" + i, topo.backendIp(i))
                    .withCommand("backend", "backend-" + i, String.valueOf(Topology.BACKEND_PORT)));
        }
        Startables.deepStart(concat(etcds, backends)).join();
        waitFor("etcd quorum", Duration.ofSeconds(60), () -> topo.etcdEndpoints().stream().allMatch(etcd::healthy));
        baselineRevision = BaselineConfig.write(etcd, topo);
        KeepalivedConfig keepalived = new KeepalivedConfig(projectDir.resolve("keepalived/templates"),
                KeepalivedConfig.Settings.forTests());
        List<GenericContainer<?>> nodes = new ArrayList<>();
        for (int i : Topology.nodes()) {
            nodes.add(container(topo.nodeName(i), Topology.nodeId(i), topo.nodeIp(i))
                    .withCommand("node")
                    .withEnv("JAVA_OPTS", "-Xms96m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
                    .withEnv("PHALANX_LOCAL_VIPS", String.join(" ", topo.vips()))
                    // the VIPs sit on lo too: only the holder may answer ARP for them (LVS-DR style)
                    .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withSysctls(Map.of(
                            "net.ipv4.conf.all.arp_ignore", "1", "net.ipv4.conf.all.arp_announce", "2")))
                    .withCopyToContainer(Transferable.of(files.nodeYaml(i)), "/etc/phalanx/node.yaml")
                    .withCopyToContainer(Transferable.of(files.gridKey(), 0600), "/etc/phalanx/grid.key")
                    .withCopyToContainer(Transferable.of(files.read(files.certFile()), 0644), "/etc/phalanx/tls/chaos.crt")
                    .withCopyToContainer(Transferable.of(files.read(files.keyFile()), 0600), "/etc/phalanx/tls/chaos.key")
                    .withCopyToContainer(Transferable.of(keepalived.render(i, topo.nodeIps(), topo.vips()), 0644),
                            "/etc/keepalived/keepalived.conf"));
        }
        Startables.deepStart(nodes).join();
        awaitSteady(Duration.ofSeconds(180));
        startMs = (System.nanoTime() - t1) / 1_000_000;
        LOG.info("cluster steady: images " + imageBuildMs + " ms, start " + startMs + " ms");
    }

    private String[] etcdArgs(int i) {
        String initial = java.util.stream.IntStream.rangeClosed(1, Topology.ETCD)
                .mapToObj(k -> "etcd-" + k + "=http://" + topo.etcdIp(k) + ":" + Topology.ETCD_PEER_PORT)
                .collect(Collectors.joining(","));
        String ip = topo.etcdIp(i);
        return new String[] {"etcd", "--name", "etcd-" + i, "--data-dir", "/var/lib/etcd-chaos",
            "--listen-client-urls", "http://0.0.0.0:" + Topology.ETCD_CLIENT_PORT,
            "--advertise-client-urls", "http://" + ip + ":" + Topology.ETCD_CLIENT_PORT,
            "--listen-peer-urls", "http://0.0.0.0:" + Topology.ETCD_PEER_PORT,
            "--initial-advertise-peer-urls", "http://" + ip + ":" + Topology.ETCD_PEER_PORT,
            "--initial-cluster", initial, "--initial-cluster-token", "phalanx-chaos",
            "--initial-cluster-state", "new", "--heartbeat-interval", "100", "--election-timeout", "1000"};
    }

    private GenericContainer<?> container(String name, String host, String ip) {
        return new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode(topo.network())
                .withLabel(Topology.LABEL, "1")
                .withTmpFs(Map.of("/run", "rw"))
                .withStartupTimeout(Duration.ofSeconds(60))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withName(name).withHostName(host).withIpv4Address(ip);
                    cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN, Capability.NET_BROADCAST, Capability.NET_RAW);
                });
    }

    /** Brings every container back (start, unpause, reconnect, flush iptables), rewrites the baseline, waits. */
    public void reset() {
        for (String name : allNames()) {
            Docker.State s = docker.state(name);
            if (!s.exists()) {
                throw new IllegalStateException(name + " is gone; the cluster cannot be reset");
            }
            if (s.paused()) {
                docker.unpause(name);
            } else if (!s.running()) {
                docker.start(name);
            }
        }
        for (int i : Topology.nodes()) {
            String name = topo.nodeName(i);
            if (!docker.attached(topo.network(), name)) {
                docker.connect(topo.network(), name, topo.nodeIp(i));
                docker.execOk(name, 20, "/opt/phalanx/netfix.sh", topo.nodeIp(i));
            }
            docker.exec(name, 20, "sh", "-c", "iptables -F INPUT; iptables -F OUTPUT");
        }
        waitFor("etcd quorum", Duration.ofSeconds(60), () -> topo.etcdEndpoints().stream().allMatch(etcd::healthy));
        baselineRevision = BaselineConfig.write(etcd, topo);
        awaitSteady(Duration.ofSeconds(150));
    }

    public void awaitSteady(Duration timeout) {
        ClusterHealth health = new ClusterHealth(topo, docker, etcd, admin);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> problems = List.of();
        while (System.nanoTime() < deadline) {
            for (String name : allNames()) {
                Docker.State st = docker.state(name);
                if (!st.running()) {
                    dumpLogs();
                    throw new IllegalStateException(name + " is not running (exited at " + st.finishedAt()
                            + "); its output is in " + workDir.resolve("logs").resolve(name + ".log"));
                }
            }
            problems = health.problems(baselineRevision);
            if (problems.isEmpty()) {
                return;
            }
            sleep(500);
        }
        dumpLogs();
        throw new IllegalStateException("cluster not steady after " + timeout.toSeconds() + " s: " + problems
                + " (container logs in " + workDir.resolve("logs") + ")");
    }

    /** Polls a condition every 100 ms; fails naming it when it does not hold in time. */
    public static void waitFor(String what, Duration timeout, java.util.function.BooleanSupplier cond) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (cond.getAsBoolean()) {
                return;
            }
            sleep(100);
        }
        throw new IllegalStateException(what + ": not reached within " + timeout.toSeconds() + " s");
    }

    public List<String> allNames() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= Topology.ETCD; i++) {
            names.add(topo.etcdName(i));
        }
        for (int i = 1; i <= Topology.BACKENDS; i++) {
            names.add(topo.backendName(i));
        }
        for (int i : Topology.nodes()) {
            names.add(topo.nodeName(i));
        }
        return names;
    }

    /** Writes every container's output to workDir/logs (for a failed run). */
    public void dumpLogs() {
        Path dir = workDir.resolve("logs");
        try {
            Files.createDirectories(dir);
            for (String name : docker.containersWithLabel(Topology.LABEL)) {
                Files.writeString(dir.resolve(name + ".log"), docker.logs(name));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot write container logs: " + e);
        }
    }

    private void removeLeftovers() {
        removeAll(docker, topo);
    }

    /** Removes every container with the chaos label and the network (also what an earlier run left behind). */
    public static void removeAll(Docker docker, Topology topo) {
        for (String name : docker.containersWithLabel(Topology.LABEL)) {
            docker.remove(name);
        }
        if (docker.networkExists(topo.network())) {
            docker.removeNetwork(topo.network());
        }
    }

    /** Removes the containers and the network, and stops dockerd when this run started it. */
    @Override
    public void close() {
        try {
            removeLeftovers();
        } catch (RuntimeException e) {
            LOG.warning("clean-up: " + e);
        }
        engine.close();
    }

    private static List<GenericContainer<?>> concat(List<GenericContainer<?>> a, List<GenericContainer<?>> b) {
        List<GenericContainer<?>> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
