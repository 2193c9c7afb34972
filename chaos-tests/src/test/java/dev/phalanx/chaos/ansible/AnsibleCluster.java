package dev.phalanx.chaos.ansible;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Network;
import dev.phalanx.chaos.cluster.EtcdHttp;
import dev.phalanx.chaos.infra.Commands;
import dev.phalanx.chaos.infra.Docker;
import dev.phalanx.chaos.infra.DockerEngine;
import dev.phalanx.chaos.load.HttpConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * A cluster that Ansible installs: three Debian 12 containers running systemd as PID 1 (reached with the
 * community.docker.docker connection), each made a Phalanx node, keepalived and etcd member by the repository's
 * {@code site.yml} with an inventory written here; a backend container outside the cluster. {@link #start} runs
 * site.yml once on the fresh hosts and writes the routes to etcd; the scenarios run site.yml again, the rolling
 * update, and probes. Cleans up what it started.
 */
public final class AnsibleCluster implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AnsibleCluster.class.getName());
    static final Duration PLAY_TIMEOUT = Duration.ofMinutes(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AnsibleTopology topo;
    private final Path workDir;
    private final Path projectDir;
    private final DockerEngine engine;
    private final Docker docker;
    private final Playbook playbook;
    private Path currentJar;
    private Playbook.Run firstSiteRun;
    private long imageBuildMs;
    private long hostsStartMs;

    private AnsibleCluster(AnsibleTopology topo, Path workDir, Path projectDir, DockerEngine engine, Docker docker) {
        this.topo = topo;
        this.workDir = workDir;
        this.projectDir = projectDir;
        this.engine = engine;
        this.docker = docker;
        this.playbook = new Playbook(projectDir.resolve("ansible"), workDir.resolve("inventory.yml"), workDir);
    }

    /** Starts the engine when needed, builds the host image when missing, starts the hosts, runs site.yml. */
    public static AnsibleCluster start(AnsibleTopology topo, Path workDir, Path projectDir) {
        DockerEngine engine = DockerEngine.ensure(workDir.resolve("dockerd.log"));
        AnsibleCluster c = new AnsibleCluster(topo, workDir, projectDir, engine, Docker.connect());
        try {
            c.boot();
            return c;
        } catch (RuntimeException e) {
            c.dumpLogs();
            c.close();
            throw e;
        }
    }

    public AnsibleTopology topo() {
        return topo;
    }

    public Docker docker() {
        return docker;
    }

    public Path workDir() {
        return workDir;
    }

    /** The jar every node was last installed or upgraded with. */
    public Path currentJar() {
        return currentJar;
    }

    public Playbook.Run firstSiteRun() {
        return firstSiteRun;
    }

    public long imageBuildMs() {
        return imageBuildMs;
    }

    public long hostsStartMs() {
        return hostsStartMs;
    }

    private void boot() {
        Path builtJar = projectDir.resolve("node/target/phalanx-node.jar");
        if (!Files.isRegularFile(builtJar)) {
            throw new IllegalStateException(builtJar + " is missing: build it first (mvn -B -pl chaos-tests -am package"
                    + " -DskipTests)");
        }
        long t0 = System.nanoTime();
        String image = HostImage.ensure(docker, workDir);
        imageBuildMs = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        removeAll(docker);
        docker.client().createNetworkCmd().withName(AnsibleTopology.NETWORK).withDriver("bridge")
                .withLabels(Map.of(AnsibleTopology.LABEL, "1"))
                .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(topo.subnet())
                        .withGateway(topo.gateway())))
                .exec();
        Path log = workDir.resolve("containers.log");
        for (int i : AnsibleTopology.hosts()) {
            Commands.run(log, 120, "docker", "run", "-d", "--name", AnsibleTopology.hostName(i),
                    "--hostname", AnsibleTopology.hostId(i), "--network", AnsibleTopology.NETWORK, "--ip", topo.hostIp(i),
                    "--label", AnsibleTopology.LABEL + "=1",
                    // systemd as PID 1 (docs/chaos-tests.md; --privileged does not work on this kind of machine)
                    "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp=unconfined", "--cgroupns=host",
                    "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro", "--tmpfs", "/run", "--tmpfs", "/run/lock",
                    "-e", "container=docker", "--stop-signal", "SIGRTMIN+3",
                    // keepalived (VRRP, VIPs) and nftables
                    "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW", "--cap-add", "NET_BROADCAST",
                    // /proc/sys is read-only in a container: the runtime sets what the roles write to sysctl.d
                    // (the test inventory has phalanx_sysctl_reload and keepalived_sysctl_reload false)
                    "--sysctl", "net.ipv4.tcp_migrate_req=1", "--sysctl", "net.ipv4.conf.all.arp_ignore=1",
                    "--sysctl", "net.ipv4.conf.all.arp_announce=2",
                    image, "/lib/systemd/systemd");
        }
        Commands.run(log, 120, "docker", "run", "-d", "--name", AnsibleTopology.backendName(),
                "--hostname", "backend", "--network", AnsibleTopology.NETWORK, "--ip", topo.backendIp(),
                "--label", AnsibleTopology.LABEL + "=1", image,
                "python3", "/opt/phalanx-test/backend.py", "backend-1", String.valueOf(AnsibleTopology.BACKEND_PORT));
        for (int i : AnsibleTopology.hosts()) {
            String name = AnsibleTopology.hostName(i);
            waitFor(name + ": systemctl is-system-running = running", Duration.ofSeconds(120), () -> {
                String s = docker.exec(name, 20, "systemctl", "is-system-running").stdout().strip();
                return s.equals("running") || s.equals("degraded");
            });
        }
        hostsStartMs = (System.nanoTime() - t1) / 1_000_000;
        writeInventory();
        currentJar = copyJar(builtJar, workDir.resolve("jars/installed.jar"));
        firstSiteRun = site("site-1.log");
        if (!firstSiteRun.ok()) {
            throw new IllegalStateException("the first site.yml run failed: " + firstSiteRun.describe() + "\n"
                    + tail(firstSiteRun.output(), 60));
        }
        long rev = writeRoutes();
        LOG.info("routes written at etcd revision " + rev);
        awaitSteady(Duration.ofSeconds(180));
    }

    /**
     * Waits until every VIP answers and sits on its own node. After the first site.yml run the VIPs may sit on the
     * node whose keepalived started first; their owners take them back keepalived_preempt_delay (30 s) later, a move
     * a scenario must not mistake for its own.
     */
    public void awaitSteady(Duration timeout) {
        awaitServing(timeout);
        waitFor("every VIP on its own node", timeout, () -> {
            List<Set<String>> h = holders();
            return AnsibleTopology.hosts().stream().allMatch(i -> h.get(i).equals(Set.of(topo.vip(i))));
        });
    }

    /** Runs site.yml with the jar the nodes run now (a second run must change nothing). */
    public Playbook.Run site(String logName) {
        return playbook.run("site.yml", Map.of("phalanx_jar_src", currentJar.toString()), logName, PLAY_TIMEOUT);
    }

    /** Runs rolling-update.yml with {@code jar}; when it succeeded, that jar is the nodes' current one. */
    public Playbook.Run rollingUpdate(Path jar, String logName) {
        Playbook.Run run = playbook.run("rolling-update.yml", Map.of("phalanx_jar_src", jar.toString()), logName,
                PLAY_TIMEOUT);
        if (run.ok()) {
            currentJar = jar;
        }
        return run;
    }

    /** The pool (the backend container) and a catch-all route, written to etcd through host 1's member. */
    private long writeRoutes() {
        EtcdHttp etcd = new EtcdHttp(List.of("http://" + topo.hostIp(1) + ":" + AnsibleTopology.ETCD_PORT));
        waitFor("etcd on " + topo.hostIp(1), Duration.ofSeconds(60),
                () -> etcd.healthy("http://" + topo.hostIp(1) + ":" + AnsibleTopology.ETCD_PORT));
        etcd.put("/phalanx/pools/app", "{\"id\":\"app\",\"lb\":\"round-robin\",\"endpoints\":[\"" + topo.backendIp()
                + ":" + AnsibleTopology.BACKEND_PORT + "\"],\"healthCheck\":{\"path\":\"/healthz\",\"interval\":\"1s\","
                + "\"timeout\":\"500ms\",\"rise\":2,\"fall\":3}}");
        return etcd.put("/phalanx/routes/app", "{\"id\":\"app\",\"match\":{\"pathPrefix\":\"/\"},\"pool\":\"app\","
                + "\"timeouts\":{\"connect\":\"500ms\",\"response\":\"5s\"}}");
    }

    /** Waits until every VIP answers a GET with 200. */
    public void awaitServing(Duration timeout) {
        for (String vip : topo.vips()) {
            waitFor("200 through VIP " + vip, timeout, () -> {
                try (HttpConnection c = HttpConnection.open(vip, AnsibleTopology.HTTP_PORT, 1000, 2000)) {
                    return c.get("/ready-check", "ansible.phalanx.test").status() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    /** GET /cluster of host i, on its loopback (no token needed there). */
    public JsonNode cluster(int i) {
        String out = docker.execOk(AnsibleTopology.hostName(i), 30, "curl", "-fsS", "-m", "5",
                "http://127.0.0.1:" + AnsibleTopology.ADMIN_PORT + "/cluster");
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new UncheckedIOException("host " + i + ": /cluster is not JSON: " + out, e);
        }
    }

    /** The build id the node process of host i reports. */
    public String runningBuild(int i) {
        return cluster(i).path("build").asText("?");
    }

    /** The lines of host i's keepalived notify log (one per VRRP transition). */
    public List<String> vrrpLog(int i) {
        String out = docker.exec(AnsibleTopology.hostName(i), 20, "cat", "/var/log/keepalived/phalanx-vrrp.log").stdout();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    /** VIPs each host holds on eth0 (index 0 unused); every VIP is also on lo of every host, not counted. */
    public List<Set<String>> holders() {
        List<Set<String>> out = new ArrayList<>();
        out.add(Set.of());
        for (int i : AnsibleTopology.hosts()) {
            Set<String> held = new HashSet<>();
            String addrs = docker.exec(AnsibleTopology.hostName(i), 20, "ip", "-4", "-o", "addr", "show", "dev", "eth0")
                    .stdout();
            for (String vip : topo.vips()) {
                if (addrs.contains(" " + vip + "/")) {
                    held.add(vip);
                }
            }
            out.add(held);
        }
        return out;
    }

    private void writeInventory() {
        String secret = random(48);
        String token = random(32);
        StringBuilder y = new StringBuilder();
        y.append("---\n# Written by AnsibleCluster (chaos-tests): three hosts, each a Phalanx node, keepalived and an etcd member.\n")
                .append("all:\n  vars:\n")
                .append("    ansible_connection: community.docker.docker\n")
                .append("    ansible_user: root\n")
                .append("    ansible_python_interpreter: /usr/bin/python3\n")
                .append("  children:\n    phalanx_nodes:\n      hosts:\n");
        for (int i : AnsibleTopology.hosts()) {
            y.append("        ").append(AnsibleTopology.hostId(i)).append(":\n")
                    .append("          ansible_host: ").append(AnsibleTopology.hostName(i)).append('\n')
                    .append("          phalanx_address: ").append(topo.hostIp(i)).append('\n')
                    .append("          phalanx_vip: ").append(topo.vip(i)).append('\n');
        }
        y.append("      vars:\n")
                .append("        phalanx_config_source: etcd\n")
                // the test's own secret and token (an operator's come from Ansible Vault)
                .append("        phalanx_grid_secret: ").append(secret).append('\n')
                .append("        phalanx_admin_bind: 0.0.0.0\n")
                .append("        phalanx_admin_token: ").append(token).append('\n')
                .append("        phalanx_java_opts: \"-Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1\"\n")
                // a loaded 2-core machine: a new process may need more than a minute to be ready
                .append("        phalanx_ready_timeout: 180\n")
                .append("        phalanx_sysctl_reload: false\n")
                .append("        keepalived_sysctl_reload: false\n")
                .append("        keepalived_interface: eth0\n")
                // more patient than the defaults (1 s timeout, fall 2): on a loaded machine a check that takes over
                // a second twice in a row would move a VIP of a healthy node
                .append("        keepalived_check_timeout: 2\n")
                .append("        keepalived_check_curl_timeout: 1.5\n")
                .append("        keepalived_check_fall: 3\n")
                .append("    etcd:\n      hosts:\n");
        for (int i : AnsibleTopology.hosts()) {
            y.append("        ").append(AnsibleTopology.hostId(i)).append(":\n")
                    .append("          etcd_address: ").append(topo.hostIp(i)).append('\n');
        }
        try {
            Files.createDirectories(workDir);
            Files.writeString(workDir.resolve("inventory.yml"), y.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path copyJar(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String random(int chars) {
        SecureRandom r = new SecureRandom();
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < chars; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** Writes each host's journal of the node, keepalived and etcd to workDir/logs. */
    public void dumpLogs() {
        Path dir = workDir.resolve("logs");
        try {
            Files.createDirectories(dir);
            for (int i : AnsibleTopology.hosts()) {
                String name = AnsibleTopology.hostName(i);
                if (docker.state(name).running()) {
                    Files.writeString(dir.resolve(name + ".log"), docker.exec(name, 60, "journalctl", "--no-pager",
                            "-u", "phalanx", "-u", "keepalived", "-u", "etcd", "-n", "2000").stdout());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot write the hosts' logs: " + e);
        }
    }

    /** Removes every container with the label and the network (also what an earlier run left behind). */
    public static void removeAll(Docker docker) {
        for (String name : docker.containersWithLabel(AnsibleTopology.LABEL)) {
            docker.remove(name);
        }
        if (docker.networkExists(AnsibleTopology.NETWORK)) {
            docker.removeNetwork(AnsibleTopology.NETWORK);
        }
    }

    @Override
    public void close() {
        try {
            removeAll(docker);
        } catch (RuntimeException e) {
            LOG.warning("clean-up: " + e);
        }
        engine.close();
    }

    public static void waitFor(String what, Duration timeout, BooleanSupplier cond) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (cond.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet (a container still starting)
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException(what + ": not reached within " + timeout.toSeconds() + " s");
    }

    static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
}
