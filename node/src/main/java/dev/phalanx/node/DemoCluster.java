package dev.phalanx.node;

import dev.phalanx.cluster.model.NodeConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * {@code java -jar phalanx-node.jar demo}: a local demo cluster on the embedded defaults. Two demo backends and
 * three nodes on 127.0.0.1 share one routes file (standalone mode) in {@code ./demo-state}; edit it and every node
 * picks the change up. The nodes form a grid on 127.0.0.1 (ports base+1801..1803) with a random cluster secret in
 * {@code demo-state/grid.key}, so they share ticket keys and health verdicts. Ctrl-C stops everything.
 */
final class DemoCluster {
    private DemoCluster() {
    }

    static int run(String[] args) {
        String base = Main.option(args, "--base-port");
        int port = base == null ? 18080 : Integer.parseInt(base);
        Path dir = Path.of("demo-state").toAbsolutePath();
        List<AutoCloseable> running = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        try {
            Files.createDirectories(dir);
            int backendA = port + 11;
            int backendB = port + 12;
            for (String[] b : new String[][] {{"demo-a", Integer.toString(backendA)}, {"demo-b", Integer.toString(backendB)}}) {
                DemoBackend backend = new DemoBackend(b[0]);
                backend.start("127.0.0.1", Integer.parseInt(b[1]));
                running.add(backend);
            }
            Path routes = dir.resolve("routes.yaml");
            Files.writeString(routes, routesFile(backendA, backendB));
            Path secret = gridSecret(dir);
            List<Node> nodes = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                Path nodeDir = Files.createDirectories(dir.resolve("node-" + i));
                Path cfg = nodeDir.resolve("node.yaml");
                Files.writeString(cfg, nodeFile(i, port + i, port + 1900 + i, nodeDir, routes)
                        + gridSection(port + 1800 + i, port, secret));
                Node node = new Node(NodeConfigLoader.load(cfg));
                node.start();
                running.add(0, node);
                nodes.add(node);
            }
            System.out.println(banner(port, routes));
            Signal.handle(new Signal("INT"), s -> stop.countDown());
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            stop.await();
            System.out.println("stopping the demo cluster");
            return 0;
        } catch (dev.phalanx.cluster.model.ConfigException e) {
            System.err.println("demo: generated config rejected:\n" + e.getMessage());
            return 2;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (RuntimeException e) {
            System.err.println("demo: cannot start: " + e.getMessage()
                    + "\n(are the ports " + port + "..." + (port + 1903) + " free? try demo --base-port N)");
            return 2;
        } finally {
            for (AutoCloseable c : running) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // stopping anyway
                }
            }
        }
    }

    /** A random 48-byte secret, readable by this user only, kept across demo runs. */
    private static Path gridSecret(Path dir) throws IOException {
        Path secret = dir.resolve("grid.key");
        if (!Files.exists(secret)) {
            byte[] random = new byte[48];
            new java.security.SecureRandom().nextBytes(random);
            Files.writeString(secret, java.util.Base64.getEncoder().encodeToString(random) + "\n");
            try {
                Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
        }
        return secret;
    }

    private static String gridSection(int gridPort, int base, Path secret) {
        return """
                grid:
                  clusterName: phalanx-demo
                  bind: "127.0.0.1:%d"
                  members: ["127.0.0.1:%d", "127.0.0.1:%d", "127.0.0.1:%d"]
                  secretFile: "%s"
                """.formatted(gridPort, base + 1801, base + 1802, base + 1803, secret);
    }

    private static String routesFile(int a, int b) {
        return """
                # The demo's routes file: every node re-reads it when it changes.
                routes:
                  - id: api
                    match: { pathPrefix: /api/ }
                    stripPrefix: /api
                    pool: demo
                    retries: { attempts: 2, on: [connect-failure, reset, "502", "503"] }
                  - id: default
                    match: { pathPrefix: / }
                    pool: demo
                pools:
                  - id: demo
                    lb: round-robin
                    endpoints:
                      - { address: "127.0.0.1:%d", weight: 1 }
                      - { address: "127.0.0.1:%d", weight: 1 }
                    healthCheck: { path: /healthz, interval: 2s, timeout: 1s, rise: 2, fall: 2 }
                    outlier: { consecutiveFailures: 5, ejection: 10s, maxEjectedPercent: 50 }
                """.formatted(a, b);
    }

    private static String nodeFile(int i, int web, int admin, Path stateDir, Path routes) {
        return """
                node: { id: node-%d, stateDir: "%s", workerThreads: 1 }
                listeners:
                  - { name: web, bind: "127.0.0.1:%d" }
                admin: { bind: "127.0.0.1:%d" }
                config: { file: "%s" }
                accessLog: "%s"
                """.formatted(i, stateDir, web, admin, routes, stateDir.resolve("access.log"));
    }

    private static String banner(int port, Path routes) {
        return """

                Phalanx demo cluster is up: 3 nodes in one grid, 2 backends, one routes file.
                  nodes     http://127.0.0.1:%d  http://127.0.0.1:%d  http://127.0.0.1:%d
                  admin     http://127.0.0.1:%d  http://127.0.0.1:%d  http://127.0.0.1:%d
                  backends  127.0.0.1:%d (demo-a)  127.0.0.1:%d (demo-b)
                Try:
                  curl -s http://127.0.0.1:%d/hello            # alternates demo-a / demo-b
                  curl -s http://127.0.0.1:%d/api/users        # route "api", /api stripped
                  curl -s http://127.0.0.1:%d/healthz          # admin: ok
                  curl -s http://127.0.0.1:%d/config           # admin: the config in force
                  curl -s http://127.0.0.1:%d/cluster          # admin: grid members, ticket epochs, health
                  curl -s http://127.0.0.1:%d/metrics | grep phalanx_requests_total
                Edit %s and every node applies it within a second.
                Access logs: demo-state/node-N/access.log.  Ctrl-C stops everything.
                """.formatted(port + 1, port + 2, port + 3, port + 1901, port + 1902, port + 1903, port + 11, port + 12,
                port + 1, port + 2, port + 1901, port + 1901, port + 1902, port + 1901, routes);
    }
}
