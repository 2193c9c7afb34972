package dev.phalanx.node.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code openssl s_client} against a local port and returns everything it printed. */
final class SClient {
    private SClient() {
    }

    /**
     * Connects, sends one {@code GET /} with {@code Connection: close} (so a TLS 1.3 ticket arrives before the end,
     * with {@code -ign_eof}), and returns stdout and stderr.
     *
     * @param host the Host header and, when not null, the SNI name
     */
    static String run(int port, String host, String... extra) {
        return request(port, host, "", extra);
    }

    /** Like {@link #run} with more request header lines ({@code "X-A: 1\r\n"}). */
    static String request(int port, String host, String headers, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-ign_eof"));
        if (host != null) {
            cmd.add("-servername");
            cmd.add(host);
        } else {
            cmd.add("-noservername");
        }
        cmd.addAll(List.of(extra));
        try {
            Path log = Files.createTempFile("s_client", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(("GET / HTTP/1.1\r\nHost: " + (host == null ? "localhost" : host)
                        + "\r\n" + headers + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            boolean ended = p.waitFor(30, TimeUnit.SECONDS); // ends when the server closed
            if (!ended) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            String out = Files.readString(log, StandardCharsets.ISO_8859_1);
            Files.deleteIfExists(log);
            if (!ended) {
                throw new IllegalStateException("openssl s_client did not finish: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The server certificate's subject line as s_client prints it ({@code subject=CN = a.test}). */
    static String subject(String output) {
        for (String line : output.split("\n")) {
            if (line.startsWith("subject=")) {
                return line.trim();
            }
        }
        return null;
    }
}
