package dev.phalanx.node.cli;

import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.node.Node;
import java.io.IOException;
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
 * {@code demo-state/grid.key}, so they share ticket keys, rate-limit quota and health verdicts. Each node also has a
 * TLS listener (ports base+361..363) with a self-signed certificate for localhost made at the first start
 * ({@link DemoTls}), so a TLS session made on one node resumes on another; the route {@code /limited/} admits
 * {@value #LIMIT} requests per {@value #WINDOW_SECONDS} s for the whole cluster. Ctrl-C stops everything.
 */
final class DemoCluster {
    static final int LIMIT = 10;
    static final int WINDOW_SECONDS = 10;
    private static final long AGREE_MILLIS = 30_000;

    private DemoCluster() {
    }

    static int run(String[] args) {
        String base = Options.value(args, "--base-port");
        int port = base == null ? 18080 : Integer.parseInt(base);
        Path dir = Path.of("demo-state").toAbsolutePath();
        List<AutoCloseable> running = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("INT"), s -> stop.countDown()); // Ctrl-C while starting stops once started
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
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
            Path tls = DemoTls.ensure(dir);
            List<Node> nodes = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                Path nodeDir = Files.createDirectories(dir.resolve("node-" + i));
                Path cfg = nodeDir.resolve("node.yaml");
                Files.writeString(cfg, nodeFile(i, port, nodeDir, routes, tls)
                        + gridSection(port + 1800 + i, port, secret));
                Node node = new Node(NodeConfigLoader.load(cfg));
                node.start();
                running.add(0, node);
                nodes.add(node);
            }
            awaitTicketKeys(nodes, stop);
            if (stop.getCount() > 0) {
                System.out.println(banner(port, routes, tls));
            }
            stop.await();
            System.out.println("stopping the demo cluster");
            return 0;
        } catch (dev.phalanx.cluster.model.ConfigException e) {
            System.err.println("demo: generated config rejected:\n" + e.getMessage());
            return 2;
        } catch (IOException e) {
            System.err.println("demo: cannot start: " + e.getMessage());
            return 2;
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

    /**
     * Waits (at most {@value #AGREE_MILLIS} ms) until every node encrypts tickets with the key agreed in the grid, so
     * the banner's cross-node resumption works at once: the first node starts with a local key until a majority of
     * the grid is up.
     */
    private static void awaitTicketKeys(List<Node> nodes, CountDownLatch stop) throws InterruptedException {
        long deadline = System.currentTimeMillis() + AGREE_MILLIS;
        while (System.currentTimeMillis() < deadline && stop.getCount() > 0) {
            java.util.Set<Object> current = new java.util.HashSet<>();
            for (Node n : nodes) {
                current.add(n.ticketKeys().keys().get(0));
            }
            if (current.size() == 1) {
                return;
            }
            Thread.sleep(100);
        }
        if (stop.getCount() == 0) {
            return;
        }
        System.out.println("demo: the nodes do not share a ticket key yet (the grid is slow to agree): TLS sessions"
                + " resume across nodes once it has");
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
                  logLevel: warn
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
                  - id: limited
                    match: { pathPrefix: /limited/ }
                    pool: demo
                    rateLimit: { key: route, limit: %d, window: %ds }   # for the whole cluster
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
                """.formatted(LIMIT, WINDOW_SECONDS, a, b);
    }

    private static String nodeFile(int i, int base, Path stateDir, Path routes, Path tls) {
        return """
                node: { id: node-%d, stateDir: "%s", workerThreads: 1 }
                listeners:
                  - { name: web, bind: "127.0.0.1:%d" }
                  - name: websecure
                    bind: "127.0.0.1:%d"
                    tls: { certificates: [ { certFile: "%s", keyFile: "%s" } ] }
                admin: { bind: "127.0.0.1:%d" }
                config: { file: "%s" }
                accessLog: "%s"
                """.formatted(i, stateDir, base + i, base + 360 + i, tls.resolve(DemoTls.CERT), tls.resolve(DemoTls.KEY),
                base + 1900 + i, routes, stateDir.resolve("access.log"));
    }

    private static String banner(int port, Path routes, Path tls) {
        int w1 = port + 1;
        int w2 = port + 2;
        int w3 = port + 3;
        int s1 = port + 361;
        int s2 = port + 362;
        int s3 = port + 363;
        String request = "printf 'GET / HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' | ";
        return """

                Phalanx demo cluster is up: 3 nodes in one grid, 2 backends, one routes file.
                  nodes     http://127.0.0.1:%d  http://127.0.0.1:%d  http://127.0.0.1:%d
                  tls       https://localhost:%d  https://localhost:%d  https://localhost:%d  (HTTP/2 and HTTP/1.1)
                  admin     http://127.0.0.1:%d  http://127.0.0.1:%d  http://127.0.0.1:%d
                  backends  127.0.0.1:%d (demo-a)  127.0.0.1:%d (demo-b)
                  cert      %s (self-signed, localhost and 127.0.0.1)
                Try:
                  curl -s http://127.0.0.1:%d/hello            # alternates demo-a / demo-b
                  curl -s http://127.0.0.1:%d/api/users        # route "api", /api stripped
                  curl -sik --http2 https://localhost:%d/hello  # HTTP/2 over TLS ("HTTP/2 200")
                A TLS session made on node 1 resumes on node 2 (the grid shares the ticket keys):
                  %sopenssl s_client -connect 127.0.0.1:%d -servername localhost -sess_out /tmp/phalanx-demo.sess -ign_eof 2>/dev/null | grep -E '^(New|Reused),'
                  %sopenssl s_client -connect 127.0.0.1:%d -servername localhost -sess_in /tmp/phalanx-demo.sess -ign_eof 2>/dev/null | grep -E '^(New|Reused),'
                  # "New, TLSv1.3" then "Reused, TLSv1.3"
                /limited/ admits %d requests per %d s for the whole cluster, whichever node answers:
                  for i in $(seq 12); do for p in %d %d %d; do curl -s -o /dev/null -w '%%{http_code} ' http://127.0.0.1:$p/limited/; done; done; echo
                  # 200 x %d, then 429 (each node's very first request may also get 429 while it fetches its first lease)
                Admin:
                  curl -s http://127.0.0.1:%d/cluster          # grid members, ticket epochs, health
                  curl -s http://127.0.0.1:%d/metrics | grep -E 'phalanx_requests_total|phalanx_ratelimit_rejected'
                Edit %s and every node applies it within a second.
                Access logs: demo-state/node-N/access.log.  Ctrl-C stops everything.
                """.formatted(w1, w2, w3, s1, s2, s3, port + 1901, port + 1902, port + 1903, port + 11, port + 12,
                tls.resolve(DemoTls.CERT), w1, w2, s1, request, s1, request, s2, LIMIT, WINDOW_SECONDS, w1, w2, w3,
                LIMIT, port + 1901, port + 1902, routes);
    }
}
