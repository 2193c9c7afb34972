package dev.phalanx.chaos.cluster;

import dev.phalanx.chaos.infra.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.stream.Collectors;

/**
 * The per-cluster secrets and files the containers get: the grid secret, the admin token, a self-signed ECDSA
 * certificate for the TLS listener, and each node's node.yaml (cluster mode with etcd, the grid, admin on every
 * address with a token).
 */
public final class ClusterFiles {
    public static final String TLS_NAME = "chaos.phalanx.test";
    private final Topology topo;
    private final Path dir;
    private final String adminToken;
    private final byte[] gridKey;

    private ClusterFiles(Topology topo, Path dir, String adminToken, byte[] gridKey) {
        this.topo = topo;
        this.dir = dir;
        this.adminToken = adminToken;
        this.gridKey = gridKey;
    }

    /** Makes new secrets and a certificate in {@code dir} (kept there for cluster.sh and for a look by hand). */
    public static ClusterFiles create(Topology topo, Path dir) {
        SecureRandom rnd = new SecureRandom();
        byte[] token = new byte[24];
        rnd.nextBytes(token);
        byte[] grid = new byte[48];
        rnd.nextBytes(grid);
        ClusterFiles f = new ClusterFiles(topo, dir, HexFormat.of().formatHex(token),
                Base64.getEncoder().encode(grid));
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("admin.token"), f.adminToken);
            Files.write(dir.resolve("grid.key"), f.gridKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Commands.run(dir.resolve("openssl.log"), 60, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", "/CN=" + TLS_NAME, "-addext",
                "subjectAltName=DNS:" + TLS_NAME, "-keyout", dir.resolve("chaos.key").toString(), "-out",
                dir.resolve("chaos.crt").toString());
        return f;
    }

    public String adminToken() {
        return adminToken;
    }

    public byte[] gridKey() {
        return gridKey;
    }

    public Path certFile() {
        return dir.resolve("chaos.crt");
    }

    public Path keyFile() {
        return dir.resolve("chaos.key");
    }

    public byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String nodeYaml(int i) {
        String etcd = topo.etcdEndpoints().stream().map(e -> "\"" + e + "\"").collect(Collectors.joining(", "));
        String members = topo.nodeIps().stream().map(ip -> ip + ":" + Topology.GRID_PORT).collect(Collectors.joining(", "));
        return ""
                + "node: { id: " + Topology.nodeId(i) + ", stateDir: /var/lib/phalanx }\n"
                + "listeners:\n"
                + "  - { name: web, bind: \"0.0.0.0:" + Topology.HTTP_PORT + "\", ipTransparent: true }\n"
                + "  - name: websecure\n"
                + "    bind: \"0.0.0.0:" + Topology.HTTPS_PORT + "\"\n"
                + "    tls:\n"
                + "      certificates: [ { certFile: /etc/phalanx/tls/chaos.crt, keyFile: /etc/phalanx/tls/chaos.key } ]\n"
                + "      ocspStapling: false\n"
                + "admin: { bind: \"0.0.0.0:" + Topology.ADMIN_PORT + "\", token: \"" + adminToken + "\" }\n"
                + "config:\n"
                + "  etcd:\n"
                + "    endpoints: [ " + etcd + " ]\n"
                + "    prefix: /phalanx\n"
                + "grid:\n"
                + "  clusterName: phalanx-chaos\n"
                + "  bind: \"" + topo.nodeIp(i) + ":" + Topology.GRID_PORT + "\"\n"
                + "  members: [ " + members + " ]\n"
                + "  secretFile: /etc/phalanx/grid.key\n"
                + "accessLog: \"off\"\n"
                + "limits: { drainTimeout: 10s }\n";
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
