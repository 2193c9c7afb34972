package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.node.testsupport.KeepAliveClient;
import dev.phalanx.node.testsupport.KeepAliveClient.Outcome;
import dev.phalanx.node.testsupport.KeepAliveClient.Result;
import dev.phalanx.node.testsupport.TestBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An in-place upgrade of one node with two real jar processes on 127.0.0.1 (docs/upgrade.md): the old process runs
 * with {@code reusePort} on its listener and admin port and a grid with {@code portCount: 2}; a second process of
 * the same node (same config file) starts, binds the same ports, joins the grid on the next port and writes its
 * ready file; then the old one gets SIGUSR2, stops accepting, finishes its requests and leaves. Non-retrying
 * keep-alive clients load the listener the whole time and a poller asks {@code /healthz} on the shared admin port:
 * no request fails, no connection is refused, {@code /healthz} never answers anything but 200, both processes
 * answered requests, the grid ends with the new process alone on the second port, and the new process knows the
 * VRRP state keepalived reported to the old one.
 */
class HandoverIT {
    private static final Path JAR = Path.of("target/phalanx-node.jar").toAbsolutePath();
    private static final Path SUPERVISE = Path.of("../ansible/roles/phalanx_node/files/phalanx-supervise")
            .toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_LOAD_MILLIS = 60_000;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final List<Process> processes = new ArrayList<>();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger responses = new AtomicInteger();
    private final AtomicInteger healthzOk = new AtomicInteger();
    private TestBackend backend;
    private volatile boolean stop;

    @AfterEach
    void cleanUp() {
        stop = true;
        // the supervisor's node processes first: killing the bash supervisor alone would leave its java child running
        processes.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
        processes.forEach(Process::destroyForcibly);
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void aNewProcessTakesOverTheSocketsWithoutAFailedRequest() throws Exception {
        assertTrue(Files.exists(JAR), "the shaded jar is built in the package phase before integration tests");
        String migrate = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_migrate_req")).trim();
        Path dir = Files.createTempDirectory("handover-it");
        int[] ports = setUp(dir);
        int web = ports[0];
        int admin = ports[1];
        int grid = ports[2];
        Path cfg = dir.resolve("node.yaml");
        Path ready = dir.resolve("run/ready");

        Process old = start(cfg, ready, dir.resolve("old.log"));
        await("the old process ready", 120_000, () -> readyPid(ready) == old.pid());
        // keepalived's notify script told the old process it holds VI_1; no transition will come during the handover
        HttpResponse<String> vrrp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/vrrp"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"instance\":\"VI_1\",\"state\":\"MASTER\","
                        + "\"vips\":[\"192.0.2.101\"],\"priority\":200}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, vrrp.statusCode(), vrrp.body());
        List<Thread> load = startLoad(web, admin);
        Thread.sleep(1500);

        long t = System.nanoTime();
        Process fresh = start(cfg, ready, dir.resolve("new.log"));
        await("the new process ready", 120_000, () -> readyPid(ready) == fresh.pid());
        long readyMillis = (System.nanoTime() - t) / 1_000_000;
        int beforeSignal = responses.get();
        long h = System.nanoTime();
        Process kill = new ProcessBuilder("kill", "-USR2", Long.toString(old.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertTrue(old.waitFor(30, TimeUnit.SECONDS), "the old process exits after its handover");
        long handoverMillis = (System.nanoTime() - h) / 1_000_000;
        assertEquals(0, old.exitValue(), Files.readString(dir.resolve("old.log")));
        int atExit = responses.get();
        await("requests served by the new process alone", 30_000, () -> responses.get() > atExit + 200);
        stop = true;
        for (Thread th : load) {
            th.join(15_000);
        }

        String oldLog = Files.readString(dir.resolve("old.log"));
        String newLog = Files.readString(dir.resolve("new.log"));
        long byOld = countRequests(oldLog);
        long byNew = countRequests(newLog);
        System.out.printf("figure: handover (tcp_migrate_req=%s): new process ready %d ms after its start, old gone"
                        + " %d ms after SIGUSR2; %d requests (%d before the signal), %d by the old process, %d by the"
                        + " new, %d failed; /healthz 200 x %d, never anything else%n", migrate, readyMillis,
                handoverMillis, responses.get(), beforeSignal, byOld, byNew, failures.size(), healthzOk.get());
        assertEquals(List.of(), failures, "no request fails, no connection is refused, /healthz stays 200");
        assertTrue(byOld > 0 && byNew > 0, "both processes answered: old " + byOld + ", new " + byNew);
        assertTrue(oldLog.contains("handover done"), oldLog);
        assertTrue(oldLog.contains("left the grid"), oldLog);
        JsonNode cluster = JSON.readTree(get(admin, "/cluster").body());
        assertEquals(1, cluster.get("members").size(), cluster.toString());
        assertTrue(cluster.get("members").get(0).toString().contains(":" + (grid + 1)),
                "the new process joined on the grid's second port: " + cluster);
        assertEquals("MASTER", cluster.get("vrrp").get(0).get("state").asText(),
                "the new process knows the VIP it holds (from the state folder): " + cluster);

        fresh.destroy(); // SIGTERM: an ordinary drain
        assertTrue(fresh.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, fresh.exitValue());
        assertTrue(Files.notExists(ready), "the ready file goes with the process that wrote it");
    }

    /**
     * The unit's operation without systemd: {@code phalanx-supervise} (the unit's main process) runs the node;
     * {@code phalanx-supervise reload PID} (the unit's ExecReload) upgrades it in place under the same load, and
     * reports {@code handover ok}. A jar that cannot start makes the reload fail while the old process serves on.
     * SIGTERM to the supervisor drains the node and exits 0.
     */
    @Test
    void theSupervisorUpgradesOnReloadAndKeepsTheOldProcessWhenTheNewOneFails() throws Exception {
        assertTrue(Files.exists(JAR), "the shaded jar is built in the package phase before integration tests");
        Path dir = Files.createTempDirectory("handover-supervise-it");
        int[] ports = setUp(dir);
        Path jar = dir.resolve("phalanx-node.jar");
        Files.copy(JAR, jar);
        ProcessBuilder pb = new ProcessBuilder("bash", SUPERVISE.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("supervise.log").toFile());
        pb.environment().put("PHALANX_JAR", jar.toString());
        pb.environment().put("PHALANX_CONFIG", dir.resolve("node.yaml").toString());
        pb.environment().put("PHALANX_RUN_DIR", dir.resolve("run").toString());
        pb.environment().put("PHALANX_READY_TIMEOUT", "60");
        pb.environment().put("JAVA_OPTS", "-Xmx256m -Dio.netty.leakDetection.level=paranoid");
        Process supervisor = pb.start();
        processes.add(supervisor);
        Path ready = dir.resolve("run/ready");
        await("the first node process ready", 120_000, () -> readyPid(ready) > 0);
        long first = readyPid(ready);
        List<Thread> load = startLoad(ports[0], ports[1]);
        Thread.sleep(1000);

        long t = System.nanoTime();
        String outcome = reload(supervisor, dir);
        long reloadMillis = (System.nanoTime() - t) / 1_000_000;
        assertTrue(outcome.startsWith("handover ok pid="), outcome);
        long second = readyPid(ready);
        assertTrue(second > 0 && second != first, "a new node process: " + first + " -> " + second);
        assertTrue(ProcessHandle.of(first).map(h -> !h.isAlive()).orElse(true), "the old process is gone");

        Path broken = dir.resolve("broken.jar");
        Files.writeString(broken, "not a jar");
        Files.move(broken, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE); // a new inode: the running JVM keeps its jar
        String failed = reload(supervisor, dir);
        assertTrue(failed.startsWith("handover failed: the new process"), failed);
        assertEquals(second, readyPid(ready), "the serving process stays");
        int atFailure = responses.get();
        await("requests served after the failed upgrade", 30_000, () -> responses.get() > atFailure + 100);
        stop = true;
        for (Thread th : load) {
            th.join(15_000);
        }
        System.out.printf("figure: systemctl-reload equivalent: handover ok after %d ms; %d requests, %d failed;"
                + " /healthz 200 x %d%n", reloadMillis, responses.get(), failures.size(), healthzOk.get());
        assertEquals(List.of(), failures, "no request fails, no connection is refused, /healthz stays 200");

        supervisor.destroy(); // SIGTERM: the node drains, the supervisor exits with its code
        assertTrue(supervisor.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, supervisor.exitValue(), Files.readString(dir.resolve("supervise.log")));
    }

    private static String reload(Process supervisor, Path dir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", SUPERVISE.toString(), "reload",
                Long.toString(supervisor.pid())).redirectErrorStream(true);
        pb.environment().put("PHALANX_RUN_DIR", dir.resolve("run").toString());
        pb.environment().put("PHALANX_READY_TIMEOUT", "60");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(200, TimeUnit.SECONDS), "the reload returns");
        assertEquals(out.startsWith("handover ok") ? 0 : 1, p.exitValue(), out);
        return out;
    }

    /** Backend, routes, grid secret and {@code node.yaml} in {@code dir}; returns the web, admin and grid ports. */
    private int[] setUp(Path dir) throws IOException {
        backend = new TestBackend("b").start();
        Files.writeString(dir.resolve("routes.yaml"), """
                routes: [ { id: all, match: { pathPrefix: / }, pool: p } ]
                pools: [ { id: p, endpoints: [ { address: "%s" } ] } ]
                """.formatted(backend.address()));
        Files.writeString(dir.resolve("grid.key"), "handover-it-secret-0123456789abcdefghijklmnopq\n");
        int[] ports = freePorts();
        Files.writeString(dir.resolve("node.yaml"), """
                node: { id: node-1, stateDir: "%s", workerThreads: 1 }
                listeners: [ { name: web, bind: "127.0.0.1:%d", reusePort: true } ]
                admin: { bind: "127.0.0.1:%d", reusePort: true }
                config: { file: "%s" }
                accessLog: stdout
                limits: { drainTimeout: 10s }
                grid: { clusterName: handover, bind: "127.0.0.1:%d", portCount: 2, members: ["127.0.0.1:%d"],
                        secretFile: "%s" }
                """.formatted(dir.resolve("state"), ports[0], ports[1], dir.resolve("routes.yaml"), ports[2], ports[2],
                dir.resolve("grid.key")));
        return ports;
    }

    private Process start(Path cfg, Path ready, Path log) throws IOException {
        Process p = new ProcessBuilder("java", "-Xmx256m", "-Dio.netty.leakDetection.level=paranoid", "-jar",
                JAR.toString(), "--config", cfg.toString(), "--ready-file", ready.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    /** Three busy keep-alive clients, a sporadic one (sometimes idle past the idle-close grace), a /healthz poller. */
    private List<Thread> startLoad(int web, int admin) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boolean sporadic = i == 3;
            threads.add(spawn("handover-load-" + i, () -> {
                long start = System.currentTimeMillis();
                try (KeepAliveClient c = new KeepAliveClient(web, 2)) {
                    for (int n = 0; !stop && System.currentTimeMillis() - start < MAX_LOAD_MILLIS; n++) {
                        Result r = c.get("/handover-load/" + n);
                        if (r.outcome() != Outcome.RESPONSE || r.status() != 200) {
                            failures.add(r.outcome() + " " + r.status() + " " + (r.newConnection() ? "new" : "pooled")
                                    + " connection: " + r.error());
                        } else {
                            responses.incrementAndGet();
                        }
                        if (sporadic) {
                            pause(ThreadLocalRandom.current().nextLong(100, 1500));
                        }
                    }
                }
            }));
        }
        threads.add(spawn("handover-healthz", () -> {
            long start = System.currentTimeMillis();
            while (!stop && System.currentTimeMillis() - start < MAX_LOAD_MILLIS) {
                try {
                    HttpResponse<String> r = get(admin, "/healthz");
                    if (r.statusCode() == 200) {
                        healthzOk.incrementAndGet();
                    } else {
                        failures.add("/healthz " + r.statusCode() + " " + r.body());
                    }
                } catch (IOException e) {
                    failures.add("/healthz: " + e);
                }
                pause(20);
            }
        }));
        return threads;
    }

    private HttpResponse<String> get(int admin, String path) throws IOException {
        // a new connection each time (Connection: close), as keepalived's check script makes one
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Access-log lines of the load's requests in a process's output. */
    private static long countRequests(String log) {
        return log.lines().filter(l -> l.startsWith("{") && l.contains("/handover-load/")).count();
    }

    private static long readyPid(Path ready) {
        try {
            String text = Files.readString(ready);
            return text.startsWith("pid=") ? Long.parseLong(text.substring(4, text.indexOf('\n'))) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A web port, an admin port, and a grid port whose next port is free too. */
    private static int[] freePorts() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int[] ports = new int[3];
            List<ServerSocket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    open.add(s);
                    ports[i] = s.getLocalPort();
                }
                // the grid port and its neighbour (the new process's member) below the ephemeral range: a port
                // picked there could be taken by an outgoing connection before the new process binds it
                ports[2] = ThreadLocalRandom.current().nextInt(20_000, 32_000);
                open.add(new ServerSocket(ports[2], 1, InetAddress.getLoopbackAddress()));
                open.add(new ServerSocket(ports[2] + 1, 1, InetAddress.getLoopbackAddress()));
                return ports;
            } catch (IOException e) {
                // the grid port or its neighbour is taken: try other ports
            } finally {
                for (ServerSocket s : open) {
                    s.close();
                }
            }
        }
        throw new IOException("no grid port with a free neighbour found");
    }

    private Thread spawn(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < end, "timed out waiting for " + what);
            Thread.sleep(50);
        }
    }
}
