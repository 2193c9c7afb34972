package dev.phalanx.cluster.state;

import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Grid configs on 127.0.0.1 with free ports, a secret file, and a polling wait. */
public final class GridTestSupport {
    static final String SECRET = "test-cluster-secret-0123456789abcdef-0123456789";

    private GridTestSupport() {
    }

    /** {@code n} distinct free ports on 127.0.0.1 (node tests use it too, through the cluster test-jar). */
    public static int[] freePorts(int n) {
        int[] ports = new int[n];
        List<ServerSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                open.add(s);
                ports[i] = s.getLocalPort();
            }
            for (ServerSocket s : open) {
                s.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ports;
    }

    static Path secretFile(Path dir, String secret) {
        try {
            Path p = dir.resolve("grid.key");
            Files.writeString(p, secret + "\n");
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The config of member {@code index} of a grid whose members listen on {@code ports}. */
    static NodeConfig.GridConfig config(String clusterName, int[] ports, int index, Path secret) {
        List<HostPort> members = new ArrayList<>();
        for (int p : ports) {
            members.add(new HostPort("127.0.0.1", p));
        }
        return new NodeConfig.GridConfig(clusterName, new HostPort("127.0.0.1", ports[index]), members, secret);
    }

    static void await(String what, long timeoutMillis, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
