package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.testsupport.EtcdProcess;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar in cluster mode against a real etcd: jetcd's gRPC and our Netty 4.2 modules in one class path,
 * the admin commands writing routes, the node serving them, and {@code status} seeing the node.
 */
class EtcdJarIT {
    @TempDir
    Path dir;

    private record Result(int exit, String output) {
    }

    private static Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", "target/phalanx-node.jar"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    @Test
    void theJarRunsANodeFromEtcdAndItsAdminCommands() throws Exception {
        int port = EtcdProcess.freePort();
        int adminPort = EtcdProcess.freePort();
        try (EtcdProcess etcd = EtcdProcess.single(dir.resolve("etcd"));
             TestBackend backend = new TestBackend("b1").start()) {
            Path cfg = dir.resolve("node.yaml");
            Files.writeString(cfg, """
                    node: { id: jar-node, stateDir: "%s", workerThreads: 1 }
                    listeners: [ { name: web, bind: "127.0.0.1:%d" } ]
                    admin: { bind: "127.0.0.1:%d" }
                    config: { etcd: { endpoints: [ "%s" ] } }
                    accessLog: off
                    """.formatted(dir.resolve("state"), port, adminPort, etcd.endpoint()));
            Files.writeString(dir.resolve("pool.json"), "{\"id\": \"web\", \"endpoints\": [\"" + backend.address()
                    + "\"]}");
            Files.writeString(dir.resolve("route.json"), "{\"id\": \"all\", \"match\": {\"pathPrefix\": \"/\"},"
                    + " \"pool\": \"web\"}");
            Result r = run("pools", "put", dir.resolve("pool.json").toString(), "--config", cfg.toString());
            assertEquals(0, r.exit(), r.output());
            r = run("routes", "put", dir.resolve("route.json").toString(), "--config", cfg.toString());
            assertEquals(0, r.exit(), r.output());

            Process node = new ProcessBuilder("java", "-jar", "target/phalanx-node.jar", "--config", cfg.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> answer = null;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < end) {
                    try {
                        answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                                + "/status/200")).timeout(Duration.ofSeconds(2)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (answer.statusCode() == 200) {
                            break;
                        }
                    } catch (java.io.IOException e) {
                        // not listening yet
                    }
                    Thread.sleep(100);
                }
                assertEquals(200, answer == null ? -1 : answer.statusCode(), Files.readString(dir.resolve("node.log")));
                String ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                        + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(ready.contains("config: etcd in sync"), ready);
                Result status = null;
                for (int i = 0; i < 50; i++) {
                    status = run("status", "--endpoints", etcd.endpoint());
                    if (status.exit() == 0) {
                        break;
                    }
                    Thread.sleep(100);
                }
                assertEquals(0, status.exit(), status.output());
                assertTrue(status.output().contains("jar-node"), status.output());
                String log = Files.readString(dir.resolve("node.log"));
                assertFalse(log.contains("NoSuchMethodError") || log.contains("NoClassDefFoundError")
                        || log.contains("AbstractMethodError"), log);
            } finally {
                node.destroy();
                assertTrue(node.waitFor(30, TimeUnit.SECONDS));
            }
        }
    }
}
