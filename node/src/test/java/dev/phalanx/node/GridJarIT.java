package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.cluster.state.GridTestSupport;
import dev.phalanx.node.testsupport.TestBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three real jars as child processes on 127.0.0.1, each with its grid member: they form one grid, each endpoint is
 * probed by one of them, a {@code SIGKILL}ed node's probes move to the survivors, and the survivors leave the grid
 * and exit 0 on SIGTERM. A secret that is too short stops a node at start-up with exit 2 and a clear line.
 */
class GridJarIT {
    private static final Path JAR = Path.of("target/phalanx-node.jar");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROBES = Pattern.compile(
            "phalanx_health_probes_total\\{pool=\"([^\"]+)\",result=\"[a-z]+\"} ([0-9.E]+)");
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final List<Process> processes = new ArrayList<>();
    private final List<TestBackend> backends = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        backends.forEach(TestBackend::close);
    }

    @Test
    void threeJarsFormAGridAndAKilledNodesProbesMove() throws Exception {
        assertTrue(Files.exists(JAR), "the shaded jar is built in the package phase before integration tests");
        Path dir = Files.createTempDirectory("grid-jar-it");
        StringBuilder routes = new StringBuilder("routes:\n");
        StringBuilder pools = new StringBuilder("pools:\n");
        for (int i = 0; i < 3; i++) {
            TestBackend b = new TestBackend("b" + i).start();
            backends.add(b);
            routes.append("  - { id: r").append(i).append(", match: { pathPrefix: /p").append(i).append("/ }, pool: p")
                    .append(i).append(" }\n");
            pools.append("  - { id: p").append(i).append(", endpoints: [ { address: \"").append(b.address())
                    .append("\" } ], healthCheck: { path: /healthz, interval: 300ms, timeout: 200ms, rise: 1, "
                            + "fall: 2 } }\n");
        }
        Files.writeString(dir.resolve("routes.yaml"), routes.toString() + pools);
        Files.writeString(dir.resolve("grid.key"), "grid-jar-it-secret-0123456789abcdefghijklmnopq\n");
        int[] ports = GridTestSupport.freePorts(9); // grid 0..2, web 3..5, admin 6..8
        String members = "[\"127.0.0.1:" + ports[0] + "\", \"127.0.0.1:" + ports[1] + "\", \"127.0.0.1:" + ports[2]
                + "\"]";
        for (int i = 0; i < 3; i++) {
            Path cfg = dir.resolve("node-" + (i + 1) + ".yaml");
            Files.writeString(cfg, """
                    node: { id: node-%d, stateDir: "%s", workerThreads: 1 }
                    listeners: [ { name: web, bind: "127.0.0.1:%d" } ]
                    admin: { bind: "127.0.0.1:%d" }
                    config: { file: "%s" }
                    accessLog: off
                    limits: { drainTimeout: 2s }
                    grid: { clusterName: jar-%d, bind: "127.0.0.1:%d", members: %s, secretFile: "%s" }
                    """.formatted(i + 1, dir.resolve("state-" + i), ports[3 + i], ports[6 + i],
                    dir.resolve("routes.yaml"), ports[0], ports[i], members, dir.resolve("grid.key")));
            long t = System.nanoTime();
            processes.add(new ProcessBuilder("java", "-Xmx256m", "-jar", JAR.toString(), "--config", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("node-" + (i + 1) + ".log").toFile())
                    .start());
            int admin = ports[6 + i];
            await("node-" + (i + 1) + " ready", 60_000, () -> status(admin, "/readyz") == 200);
            System.out.printf("figure: jar node-%d ready (JVM start + grid join + config) in %d ms%n", i + 1,
                    (System.nanoTime() - t) / 1_000_000);
        }
        for (int i = 0; i < 3; i++) {
            int admin = ports[6 + i];
            await("three members at node-" + (i + 1), 30_000, () -> members(admin) == 3);
        }
        JsonNode cluster = JSON.readTree(body(ports[6], "/cluster"));
        assertEquals("node-1", cluster.get("node").asText());
        assertEquals(3, cluster.get("members").size());
        assertTrue(body(ports[7], "/metrics").contains("phalanx_grid_members 3.0"));

        List<Integer> admins = new ArrayList<>(List.of(ports[6], ports[7], ports[8]));
        await("one prober per endpoint", 30_000, () -> probers(admins).values().stream().allMatch(s -> s.size() == 1));
        Map<String, Set<Integer>> owners = probers(admins);
        Set<String> victimPools = new HashSet<>();
        owners.forEach((pool, who) -> {
            if (who.contains(2)) {
                victimPools.add(pool);
            }
        });
        List<Integer> survivors = List.of(ports[6], ports[7]);
        Map<String, Double> before = new HashMap<>();
        for (String pool : victimPools) {
            before.put(pool, probeCount(survivors, pool));
        }
        long t = System.nanoTime();
        processes.get(2).destroyForcibly(); // SIGKILL: no graceful leave
        await("survivors probe node-3's endpoints " + victimPools, 60_000,
                () -> victimPools.stream().allMatch(p -> probeCount(survivors, p) > before.get(p)));
        long moved = System.nanoTime() - t;
        await("two members", 60_000, () -> members(ports[6]) == 2 && members(ports[7]) == 2);
        System.out.printf("figure: jar node SIGKILLed: its %d endpoint(s) probed by survivors after %d ms, "
                + "membership 2 after %d ms%n", victimPools.size(), moved / 1_000_000, (System.nanoTime() - t) / 1_000_000);
        await("one prober per endpoint with two nodes", 30_000,
                () -> probers(survivors).values().stream().allMatch(s -> s.size() == 1));

        for (int i = 0; i < 2; i++) {
            processes.get(i).destroy(); // SIGTERM: drain, leave the grid, exit 0
        }
        for (int i = 0; i < 2; i++) {
            assertTrue(processes.get(i).waitFor(60, TimeUnit.SECONDS), "node-" + (i + 1) + " exits after its drain");
            assertEquals(0, processes.get(i).exitValue(), Files.readString(dir.resolve("node-" + (i + 1) + ".log")));
        }
        assertTrue(Files.readString(dir.resolve("node-1.log")).contains("left the grid"));
    }

    @Test
    void aShortSecretStopsTheNodeWithExitTwo() throws Exception {
        Path dir = Files.createTempDirectory("grid-jar-it");
        Files.writeString(dir.resolve("routes.yaml"), "routes: []\npools: []\n");
        Files.writeString(dir.resolve("grid.key"), "short\n");
        int[] ports = GridTestSupport.freePorts(3);
        Path cfg = dir.resolve("node.yaml");
        Files.writeString(cfg, """
                node: { id: n1, stateDir: "%s" }
                listeners: [ { name: web, bind: "127.0.0.1:%d" } ]
                admin: { bind: "127.0.0.1:%d" }
                config: { file: "%s" }
                grid: { bind: "127.0.0.1:%d", secretFile: "%s" }
                """.formatted(dir.resolve("state"), ports[0], ports[1], dir.resolve("routes.yaml"), ports[2],
                dir.resolve("grid.key")));
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "--config", cfg.toString())
                .redirectErrorStream(true).start();
        processes.add(p);
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("phalanx: cannot start: grid.secretFile: " + dir.resolve("grid.key")
                + " holds 5 bytes, needs at least 32"), out);
    }

    private int status(int admin, String path) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String body(int admin, String path) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private int members(int admin) {
        try {
            return JSON.readTree(body(admin, "/cluster")).get("members").size();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private double probeCount(List<Integer> admins, String pool) {
        double sum = 0;
        for (int admin : admins) {
            Matcher m = PROBES.matcher(body(admin, "/metrics"));
            while (m.find()) {
                if (m.group(1).equals(pool)) {
                    sum += Double.parseDouble(m.group(2));
                }
            }
        }
        return sum;
    }

    /** Which nodes (index into {@code admins}) probed each pool during 1.5 s. */
    private Map<String, Set<Integer>> probers(List<Integer> admins) {
        Map<String, double[]> before = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            double[] c = new double[admins.size()];
            for (int n = 0; n < admins.size(); n++) {
                c[n] = probeCount(List.of(admins.get(n)), "p" + p);
            }
            before.put("p" + p, c);
        }
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, Set<Integer>> out = new HashMap<>();
        for (int p = 0; p < 3; p++) {
            Set<Integer> who = new HashSet<>();
            for (int n = 0; n < admins.size(); n++) {
                if (probeCount(List.of(admins.get(n)), "p" + p) > before.get("p" + p)[n]) {
                    who.add(n);
                }
            }
            out.put("p" + p, who);
        }
        return out;
    }


    private static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
