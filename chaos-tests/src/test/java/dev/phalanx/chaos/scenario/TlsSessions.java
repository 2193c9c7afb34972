package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.cluster.ClusterFiles;
import dev.phalanx.chaos.cluster.Topology;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * TLS sessions made and resumed with the host's {@code openssl s_client} (TLS 1.3: the ticket arrives after the
 * handshake, so a request with Connection: close is sent and the answer read to the end, -ign_eof).
 */
final class TlsSessions {
    private TlsSessions() {
    }

    /** A new session with {@code host}, saved to {@code file}; true when s_client reported a new TLS 1.3 session. */
    static boolean create(String host, Path file) {
        String out = sClient(host, "-sess_out", file);
        return out.contains("New, TLSv1.3") && Files.exists(file);
    }

    /** True when the session in {@code file} was resumed by {@code host}. */
    static boolean resume(String host, Path file) {
        return sClient(host, "-sess_in", file).contains("Reused, TLSv1.3");
    }

    private static String sClient(String host, String sessOption, Path file) {
        try {
            Process p = new ProcessBuilder("openssl", "s_client", "-connect", host + ":" + Topology.HTTPS_PORT,
                    "-servername", ClusterFiles.TLS_NAME, "-tls1_3", sessOption, file.toString(), "-ign_eof")
                    .redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(("GET /chaos/tls HTTP/1.1\r\nHost: " + ClusterFiles.TLS_NAME + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run openssl s_client: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
