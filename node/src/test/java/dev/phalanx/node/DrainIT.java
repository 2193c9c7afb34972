package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.TestBackend;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real jar as a child process: SIGTERM starts the drain; /healthz stays 200 while connections are told to close
 * ({@code closing}), turns 503 ({@code releasing}), then the listener stops accepting ({@code finishing}); a request
 * in flight finishes, one that never ends is cut at {@code limits.drainTimeout}, and the process exits 0.
 * {@link DrainSequenceIT} checks the sequence under load, with and without VRRP reports.
 */
class DrainIT {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void sigtermDrainsAndExitsZero() throws Exception {
        Path jar = Path.of("target/phalanx-node.jar");
        assertTrue(Files.exists(jar), "the shaded jar is built in the package phase before integration tests");
        try (TestBackend backend = new TestBackend("slow").start()) {
            Path dir = Files.createTempDirectory("phalanx-drain");
            int web = freePort();
            int admin = freePort();
            Files.writeString(dir.resolve("routes.yaml"), """
                    routes: [ { id: all, match: { pathPrefix: / }, pool: p } ]
                    pools: [ { id: p, endpoints: [ { address: "%s" } ] } ]
                    """.formatted(backend.address()));
            // drain defaults for drainTimeout 8s: closingMax 2.67s, releaseGrace 2s (no VRRP report here)
            Files.writeString(dir.resolve("node.yaml"), """
                    node: { id: drain-test, stateDir: "%s" }
                    listeners: [ { name: web, bind: "127.0.0.1:%d" } ]
                    admin: { bind: "127.0.0.1:%d" }
                    config: { file: "%s" }
                    limits: { drainTimeout: 8s }
                    accessLog: off
                    """.formatted(dir.resolve("state"), web, admin, dir.resolve("routes.yaml")));
            Process p = new ProcessBuilder("java", "-jar", jar.toString(), "--config", dir.resolve("node.yaml").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
            try {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
                String healthz = "http://127.0.0.1:" + admin + "/healthz";
                waitFor200(client, healthz);
                assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/x")).build(),
                        BodyHandlers.ofString()).statusCode());
                CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/slow/6000")).build(),
                        BodyHandlers.ofString());
                CompletableFuture<HttpResponse<String>> endless = client.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/hang")).build(),
                        BodyHandlers.ofString());
                Thread.sleep(300);
                long sigterm = System.nanoTime();
                p.destroy(); // SIGTERM
                Thread.sleep(300);
                HttpResponse<String> closing = client.send(HttpRequest.newBuilder(URI.create(healthz)).build(),
                        BodyHandlers.ofString());
                assertEquals(200, closing.statusCode(), "the VIPs stay while connections are told to close");
                assertEquals("draining: closing", closing.body());

                HttpResponse<String> releasing = awaitHealth(client, healthz, 503, 8000);
                assertTrue(releasing.body().startsWith("draining: "), releasing.body());
                awaitRefused(web, 8000);
                assertTrue(!endless.isDone(), "the endless request is still in flight when accepting stopped");
                assertEquals(200, inFlight.get(10, TimeUnit.SECONDS).statusCode(), "the request in flight finished");
                assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the node exits after the drain");
                long drainMillis = (System.nanoTime() - sigterm) / 1_000_000;
                assertEquals(0, p.exitValue(), Files.readString(dir.resolve("node.log")));
                assertTrue(drainMillis >= 7500, "the endless request held the drain until drainTimeout: " + drainMillis);
                ExecutionException cut = assertThrows(ExecutionException.class,
                        () -> endless.get(5, TimeUnit.SECONDS), "the endless request was cut");
                assertTrue(cut.getCause() instanceof IOException, cut.toString());
                String log = Files.readString(dir.resolve("node.log"));
                assertTrue(log.contains("drain phase releasing") && log.contains("drain phase finishing")
                        && log.contains("1 connection(s) cut at the drain timeout"), log);
            } finally {
                p.destroyForcibly();
            }
        }
    }

    private static HttpResponse<String> awaitHealth(HttpClient client, String url, int status, long millis)
            throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (true) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString());
            if (r.statusCode() == status || System.currentTimeMillis() > end) {
                assertEquals(status, r.statusCode(), r.body());
                return r;
            }
            Thread.sleep(50);
        }
    }

    private static void awaitRefused(int port, long millis) throws Exception {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            try {
                new Socket("127.0.0.1", port).close();
            } catch (ConnectException refused) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the listener still accepts " + millis + " ms later");
    }

    private static void waitFor200(HttpClient client, String url) throws Exception {
        for (int i = 0; i < 100; i++) {
            try {
                if (client.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("node did not become healthy: " + url);
    }
}
