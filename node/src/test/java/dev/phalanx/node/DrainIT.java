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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real jar as a child process: SIGTERM starts a drain, /healthz turns 503 at once, the request in flight
 * finishes, new connections are refused after the grace period, and the process exits 0.
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
                waitFor200(client, "http://127.0.0.1:" + admin + "/healthz");
                assertEquals(200, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/x")).build(),
                        BodyHandlers.ofString()).statusCode());
                CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web + "/slow/4500")).build(),
                        BodyHandlers.ofString());
                Thread.sleep(300);
                p.destroy(); // SIGTERM
                Thread.sleep(300);
                assertEquals(503, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/healthz"))
                        .build(), BodyHandlers.ofString()).statusCode(), "healthz turns 503 at once");
                Thread.sleep(2200); // past the 2 s grace period: the listener is closed, the request still running
                assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", web).close(),
                        "no new connections after the grace period");
                assertTrue(!inFlight.isDone(), "the slow request is still in flight");
                assertEquals(200, inFlight.get(10, TimeUnit.SECONDS).statusCode(), "the request in flight finished");
                assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the node exits after the drain");
                assertEquals(0, p.exitValue(), Files.readString(dir.resolve("node.log")));
            } finally {
                p.destroyForcibly();
            }
        }
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
