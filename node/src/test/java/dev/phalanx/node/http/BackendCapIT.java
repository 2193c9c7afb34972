package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.Tools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The case of issue 16 as a new user met it: one node with TLS, a Python ThreadingHTTPServer backend with an accept
 * backlog of 5, and {@code h2load -n 3000 -c 10 -m 10} over HTTP/2 (100 streams at once). Without caps the node opened
 * up to 100 upstream connections at once, the backend's accept queue overflowed and 125 requests failed; with
 * {@code maxConnections: 4} every request must be answered 200 and the backend itself must never see more than 4
 * connections open at once. The uncapped run is a figure, not a test (it depends on the machine): run it with
 * {@code -Dphalanx.uncappedFigure=true}.
 */
class BackendCapIT {
    private static final Pattern OPEN = Pattern.compile("open (\\d+)");
    private static Path dir;
    private static Process backend;
    private static int backendPort;
    private static final AtomicInteger open = new AtomicInteger();
    private static final AtomicInteger maxOpen = new AtomicInteger();
    private static final AtomicInteger accepted = new AtomicInteger();
    private NodeHarness node;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("phalanx-cap");
        Path script = dir.resolve("threading_backend.py");
        try (var in = BackendCapIT.class.getResourceAsStream("/backend/threading_backend.py")) {
            Files.copy(in, script);
        }
        Path portFile = dir.resolve("port");
        backend = new ProcessBuilder("python3", script.toString(), portFile.toString())
                .redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(backend.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = OPEN.matcher(line);
                    if (m.matches()) {
                        int n = Integer.parseInt(m.group(1));
                        if (n > open.getAndSet(n)) {
                            accepted.incrementAndGet(); // the backend prints under a lock: one line per change
                        }
                        maxOpen.accumulateAndGet(n, Math::max);
                    }
                }
            } catch (IOException e) {
                // the backend ended
            }
        }, "backend-stdout");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(portFile)) {
            assertTrue(backend.isAlive(), "the Python backend ended before it listened");
            assertTrue(System.nanoTime() < deadline, "the Python backend did not listen within 30 s");
            Thread.sleep(50);
        }
        backendPort = Integer.parseInt(Files.readString(portFile).trim());
        Tools.Result cert = Tools.run(60, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString());
        assertEquals(0, cert.exitCode(), cert.stderr());
    }

    @AfterAll
    static void stop() throws Exception {
        if (backend != null) {
            backend.destroy(); // our own child, by its handle
            backend.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private NodeHarness tlsNode(String poolExtra) {
        String routes = """
                routes:
                  - id: all
                    match: { pathPrefix: / }
                    pool: p
                pools:
                  - id: p
                    endpoints:
                      - { address: "127.0.0.1:%d" }
                """.formatted(backendPort) + (poolExtra == null ? "" : poolExtra.indent(4));
        String listener = "{ name: web, bind: \"127.0.0.1:0\", tls: { certificates: [{ certFile: \""
                + dir.resolve("cert.pem") + "\", keyFile: \"" + dir.resolve("key.pem") + "\" }] } }";
        return NodeHarness.start(routes, null, listener);
    }

    private Tools.Result load() throws InterruptedException {
        // connections of an earlier test's node are gone at the backend before this load is counted
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (open.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        maxOpen.set(0);
        accepted.set(0);
        return Tools.run(300, "h2load", "-n", "3000", "-c", "10", "-m", "10", "-t", "1",
                "https://127.0.0.1:" + node.port() + "/api");
    }

    @Test
    void fourConnectionsAtTheBackendAnswerAll3000Requests() throws Exception {
        // the queue waits as long as a loaded CI machine may need; its size (1000) holds the 100 streams
        node = tlsNode("limits: { maxConnections: 4, queue: { size: 1000, timeout: 60s } }");
        Tools.Result r = load();
        assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
        assertTrue(r.stdout().contains("Application protocol: h2"), r.stdout());
        System.out.println("FIGURE backend cap 4, h2load -n 3000 -c 10 -m 10 over TLS: " + statusLine(r.stdout())
                + "; at most " + maxOpen.get() + " connections open at the backend, " + accepted.get() + " accepted");
        assertTrue(r.stdout().contains("status codes: 3000 2xx, 0 3xx, 0 4xx, 0 5xx"), r.stdout());
        assertTrue(maxOpen.get() >= 1, "the backend counted no connection: the count is broken");
        assertTrue(maxOpen.get() <= 4, "the backend saw " + maxOpen.get() + " connections open at once");
    }

    @Test
    void uncappedFigure() throws Exception {
        // a figure on demand (how many fail depends on the machine), reported as skipped otherwise
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("phalanx.uncappedFigure"),
                "run with -Dphalanx.uncappedFigure=true");
        node = tlsNode(null);
        Tools.Result r = load();
        System.out.println("FIGURE no cap, h2load -n 3000 -c 10 -m 10 over TLS: " + statusLine(r.stdout())
                + "; at most " + maxOpen.get() + " connections open at the backend, " + accepted.get() + " accepted");
        assertTrue(r.stdout().contains("3000 done"), "every request was answered somehow: " + r.stdout());
        assertTrue(maxOpen.get() > 4, "without a cap more than 4 connections reach the backend: " + maxOpen.get());
    }

    private static String statusLine(String out) {
        return out.lines().filter(l -> l.contains("status codes:") || l.startsWith("requests:") || l.startsWith("finished in"))
                .map(String::trim).reduce((a, b) -> a + " | " + b).orElse("(no summary) " + out);
    }
}
