package dev.phalanx.node.testsupport;

import dev.phalanx.cluster.model.NodeConfigLoader;
import dev.phalanx.node.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts a real {@link Node} in this JVM from YAML text: a node config on 127.0.0.1 port 0 (one listener
 * {@code web}) in standalone mode with the given routes file content, in a fresh temporary state directory.
 */
public final class NodeHarness implements AutoCloseable {
    private final Path dir;
    private final Node node;

    private NodeHarness(Path dir, Node node) {
        this.dir = dir;
        this.node = node;
    }

    /** @param extraNodeYaml more top-level node config keys (e.g. {@code limits: {maxBodyBytes: 1000}}) */
    public static NodeHarness start(String routesYaml, String extraNodeYaml) {
        return start(routesYaml, extraNodeYaml, "{ name: web, bind: \"127.0.0.1:0\" }");
    }

    /** A node whose one listener (named {@code web}) is given as a YAML flow map. */
    public static NodeHarness startWithListener(String routesYaml, String listenerYaml) {
        return start(routesYaml, null, listenerYaml);
    }

    /** A node with more top-level config keys and its one listener (named {@code web}) as a YAML flow map. */
    public static NodeHarness start(String routesYaml, String extraNodeYaml, String listenerYaml) {
        return start(routesYaml, extraNodeYaml, listenerYaml, null);
    }

    /**
     * A node with one listener {@code web} given as a YAML flow map, more node config, and a ticket-key ring shared
     * with other nodes of the test (null = the node's own).
     */
    public static NodeHarness start(String routesYaml, String extraNodeYaml, String listenerYaml,
                                    dev.phalanx.cluster.state.TicketKeyRing ring) {
        return start(routesYaml, extraNodeYaml, listenerYaml, ring, null);
    }

    /** A node whose rate limits use {@code quota} (e.g. a grid quota of a test member); the caller closes it. */
    public static NodeHarness startWithQuota(String routesYaml, dev.phalanx.cluster.state.QuotaService quota) {
        return start(routesYaml, null, "{ name: web, bind: \"127.0.0.1:0\" }", null, quota);
    }

    private static NodeHarness start(String routesYaml, String extraNodeYaml, String listenerYaml,
                                     dev.phalanx.cluster.state.TicketKeyRing ring,
                                     dev.phalanx.cluster.state.QuotaService quota) {
        try {
            Path dir = Files.createTempDirectory("phalanx-it");
            Path routes = dir.resolve("routes.yaml");
            Files.writeString(routes, routesYaml);
            Path cfg = dir.resolve("node.yaml");
            Files.writeString(cfg, """
                    node: { id: test-node, stateDir: "%s", workerThreads: 2 }
                    listeners:
                      - %s
                    admin: { bind: "127.0.0.1:0" }
                    config: { file: "%s" }
                    accessLog: off
                    """.formatted(dir.resolve("state"), listenerYaml, routes) + (extraNodeYaml == null ? "" : extraNodeYaml));
            Node node = new Node(NodeConfigLoader.load(cfg), ring, quota);
            try {
                node.start();
            } catch (RuntimeException e) {
                node.close();
                throw e;
            }
            return new NodeHarness(dir, node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (dev.phalanx.cluster.model.ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    public static NodeHarness start(String routesYaml) {
        return start(routesYaml, null);
    }

    /** A routes file with one catch-all route {@code all} to pool {@code p} over the given backends. */
    public static String simpleRoutes(String routeExtra, String poolExtra, TestBackend... backends) {
        StringBuilder sb = new StringBuilder("routes:\n  - id: all\n    match: { pathPrefix: / }\n    pool: p\n");
        if (routeExtra != null) {
            sb.append(routeExtra.indent(4));
        }
        sb.append("pools:\n  - id: p\n    endpoints:\n");
        for (TestBackend b : backends) {
            sb.append("      - { address: \"").append(b.address()).append("\" }\n");
        }
        if (poolExtra != null) {
            sb.append(poolExtra.indent(4));
        }
        return sb.toString();
    }

    public Node node() {
        return node;
    }

    public int port() {
        return node.listenerAddress("web").getPort();
    }

    public InetSocketAddress adminAddress() {
        return node.adminAddress();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public Path dir() {
        return dir;
    }

    /** Rewrites the routes file (the node re-reads it). */
    public void writeRoutes(String routesYaml) {
        try {
            Path tmp = dir.resolve("routes.yaml.tmp");
            Files.writeString(tmp, routesYaml);
            Files.move(tmp, dir.resolve("routes.yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        node.close();
    }
}
