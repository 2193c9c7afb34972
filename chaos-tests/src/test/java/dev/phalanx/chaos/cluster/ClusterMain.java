package dev.phalanx.chaos.cluster;

import dev.phalanx.chaos.infra.Docker;
import dev.phalanx.chaos.infra.DockerEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * chaos-tests/cluster.sh: the chaos suite's cluster by hand, with the same fixture code.
 * {@code up} builds the images when missing and starts the cluster (and dockerd when no engine answers), then
 * leaves it running; {@code status} shows containers and which node holds which VIP; {@code down} removes it all
 * and stops dockerd when {@code up} started it.
 */
public final class ClusterMain {
    /** Kept so the level set on it stays (loggers are weakly held). */
    private static final java.util.logging.Logger OWN = java.util.logging.Logger.getLogger("dev.phalanx");

    private ClusterMain() {
    }

    public static void main(String[] args) throws IOException {
        // Testcontainers' own start-up chatter is not for a person at a terminal; the fixture's progress is
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        OWN.setLevel(java.util.logging.Level.INFO);
        String cmd = args.length == 1 ? args[0] : "";
        Topology topo = Topology.fromSystemProperties();
        Path work = Path.of(System.getProperty("chaos.reportDir", "target")).resolve("chaos-work");
        Path pidFile = work.resolve("cluster-dockerd.pid");
        switch (cmd) {
            case "up" -> up(topo, work, pidFile);
            case "down" -> down(topo, pidFile);
            case "status" -> status(topo);
            default -> {
                System.err.println("usage: cluster.sh up|down|status");
                System.exit(2);
            }
        }
        System.out.flush();
        // Without Ryuk, Testcontainers removes the containers it started in a JVM shutdown hook (and after `down`
        // it would talk to a stopped engine); the cluster outlives `up`, so leave without running the hooks.
        Runtime.getRuntime().halt(0);
    }

    private static void up(Topology topo, Path work, Path pidFile) throws IOException {
        Path project = Path.of(System.getProperty("chaos.projectDir", ".")).toAbsolutePath().normalize();
        ChaosCluster c = ChaosCluster.start(topo, work, project);
        Optional<Long> pid = c.engine().startedPid();
        if (pid.isPresent()) {
            Files.writeString(pidFile, String.valueOf(pid.get()));
        }
        String token = c.files().adminToken();
        System.out.println("cluster up (images " + c.imageBuildMs() + " ms, start " + c.startMs() + " ms)");
        for (int i : Topology.nodes()) {
            System.out.printf("  %s  %s  VIP %s  http://%s:%d/  admin http://%s:%d (token in %s)%n", topo.nodeName(i),
                    topo.nodeIp(i), topo.vip(i), topo.vip(i), Topology.HTTP_PORT, topo.nodeIp(i), Topology.ADMIN_PORT,
                    work.resolve("cluster/admin.token"));
        }
        System.out.println("  etcd " + String.join(",", topo.etcdEndpoints()));
        System.out.println("try: curl -s http://" + topo.vip(1) + ":" + Topology.HTTP_PORT + "/hello ; docker kill -s KILL "
                + topo.nodeName(1) + " ; chaos-tests/cluster.sh status");
        System.out.println("     curl -s -H 'Authorization: Bearer " + token + "' http://" + topo.nodeIp(2) + ":"
                + Topology.ADMIN_PORT + "/cluster");
    }

    private static void status(Topology topo) {
        if (!DockerEngine.answers()) {
            System.out.println("no Docker engine answers: the cluster is down");
            return;
        }
        Docker docker = Docker.connect();
        List<String> names = docker.containersWithLabel(Topology.LABEL);
        if (names.isEmpty()) {
            System.out.println("no chaos containers: the cluster is down");
            return;
        }
        for (String n : names.stream().sorted().toList()) {
            Docker.State s = docker.state(n);
            System.out.printf("  %-26s %s%n", n, s.paused() ? "paused" : s.running() ? "running" : "stopped");
        }
        List<Set<String>> held = VipEvents.holders(docker, topo);
        for (int i : Topology.nodes()) {
            System.out.println("  " + Topology.nodeId(i) + " holds " + held.get(i));
        }
    }

    private static void down(Topology topo, Path pidFile) throws IOException {
        if (DockerEngine.answers()) {
            ChaosCluster.removeAll(Docker.connect(), topo);
            System.out.println("cluster removed");
        }
        if (Files.exists(pidFile)) {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.endsWith("dockerd")).orElse(false))
                    .ifPresent(DockerEngine::stop);
            Files.delete(pidFile);
            System.out.println("dockerd (pid " + pid + ", started by cluster.sh up) stopped");
        }
    }
}
