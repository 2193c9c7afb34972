package dev.phalanx.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar phalanx-node.jar demo} as a newcomer runs it: the real jar in a fresh folder, then the very
 * commands its banner prints, run by bash: a TLS session made on node 1 resumes on node 2 ({@code openssl s_client},
 * "Reused"), curl speaks HTTP/2 over TLS, and the curl loop over the three nodes on {@code /limited/} gets exactly
 * the limit of 200s in one window, then 429s. SIGTERM stops everything with exit 0; a second run reuses the
 * certificate and stops on SIGINT (Ctrl-C) with exit 0.
 */
class DemoIT {
    private static final Path JAR = Path.of("target/phalanx-node.jar").toAbsolutePath();
    private static final int[] OFFSETS = {1, 2, 3, 11, 12, 361, 362, 363, 1801, 1802, 1803, 1901, 1902, 1903};
    private static final long WINDOW_MILLIS = DemoCluster.WINDOW_SECONDS * 1000L;

    @TempDir
    Path dir;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void theBannersCommandsShowResumptionHttp2AndAClusterWideLimit() throws Exception {
        assertTrue(Files.exists(JAR), "the shaded jar is built in the package phase before integration tests");
        int base = freeBase();
        Path log1 = dir.resolve("demo-1.log");
        Process demo = start(base, log1);
        String banner = awaitBanner(demo, log1);
        assertTrue(banner.contains("demo: made a self-signed TLS certificate"), banner);
        Path cert = dir.resolve("demo-state/tls/demo.crt");
        Path key = dir.resolve("demo-state/tls/demo.key");
        assertTrue(Files.readString(cert).startsWith("-----BEGIN CERTIFICATE-----"));
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

        // the two s_client lines of the banner: New on node 1, Reused on node 2
        List<String> sClient = lines(banner, "printf 'GET / HTTP/1.1");
        assertEquals(2, sClient.size(), banner);
        assertTrue(sClient.get(0).contains(":" + (base + 361) + " ") && sClient.get(1).contains(":" + (base + 362) + " "));
        String sessOut = sClient.get(0).replace("/tmp/phalanx-demo.sess", dir.resolve("s.sess").toString());
        String sessIn = sClient.get(1).replace("/tmp/phalanx-demo.sess", dir.resolve("s.sess").toString());
        assertTrue(bash(sessOut).startsWith("New, TLSv1.3"), sessOut);
        String reused = bash(sessIn);
        assertTrue(reused.startsWith("Reused, TLSv1.3"), sessIn + " printed: " + reused);
        System.out.println("figure: demo: " + reused.strip() + " on node 2 for a session of node 1");

        // HTTP/2 over TLS, as the banner says; and the certificate verifies for 127.0.0.1 and localhost
        List<String> h2 = lines(banner, "curl -sik --http2");
        assertEquals(1, h2.size(), banner);
        String h2out = bash(h2.get(0).replaceAll("\\s+#.*$", ""));
        assertTrue(h2out.startsWith("HTTP/2 200"), h2out);
        for (String host : List.of("127.0.0.1", "localhost")) {
            String verified = bash("curl -s --cacert " + cert + " -o /dev/null -w '%{http_version} %{http_code}' https://"
                    + host + ":" + (base + 363) + "/hello");
            assertEquals("2 200", verified, host);
        }

        // the limit loop of the banner, started just after a window boundary; retried if it straddled one
        List<String> loop = lines(banner, "for i in $(seq");
        assertEquals(1, loop.size(), banner);
        List<String> codes = null;
        for (int attempt = 0; attempt < 3 && codes == null; attempt++) {
            long now = System.currentTimeMillis();
            Thread.sleep(WINDOW_MILLIS - now % WINDOW_MILLIS + 100);
            long window = System.currentTimeMillis() / WINDOW_MILLIS;
            String out = bash(loop.get(0));
            if (System.currentTimeMillis() / WINDOW_MILLIS == window) {
                codes = Arrays.asList(out.trim().split("\\s+"));
            } else {
                System.out.println("demo limit loop straddled a window boundary, again: " + out);
            }
        }
        assertTrue(codes != null, "the 36 curls never fitted in one " + DemoCluster.WINDOW_SECONDS + " s window");
        System.out.println("figure: demo /limited/ loop: " + String.join(" ", codes));
        assertEquals(36, codes.size(), codes.toString());
        assertEquals(DemoCluster.LIMIT, codes.stream().filter("200"::equals).count(), codes.toString());
        assertEquals(36 - DemoCluster.LIMIT, codes.stream().filter("429"::equals).count(), codes.toString());
        int last200 = codes.lastIndexOf("200");
        assertTrue(codes.subList(last200 + 1, codes.size()).size() >= 6, "every node refuses once spent: " + codes);

        // SIGTERM: everything stops, exit 0, the ports are free again
        demo.destroy();
        assertTrue(demo.waitFor(60, TimeUnit.SECONDS), "the demo stops on SIGTERM");
        String out = Files.readString(log1);
        assertEquals(0, demo.exitValue(), out);
        assertTrue(out.contains("stopping the demo cluster"), out);
        assertTrue(portsFree(base), "every demo port is free after the demo stopped");

        // a second run reuses the certificate; Ctrl-C (SIGINT) stops it with exit 0
        String certBefore = Files.readString(cert);
        Path log2 = dir.resolve("demo-2.log");
        Process again = start(base, log2);
        String banner2 = awaitBanner(again, log2);
        assertTrue(banner2.contains("demo: reusing the TLS certificate " + cert), banner2);
        assertEquals(certBefore, Files.readString(cert));
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(again.pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertTrue(again.waitFor(60, TimeUnit.SECONDS), "the demo stops on SIGINT");
        assertEquals(0, again.exitValue(), Files.readString(log2));
        assertTrue(portsFree(base));
    }

    private Process start(int base, Path log) throws IOException {
        Process p = new ProcessBuilder("java", "-Xmx384m", "-jar", JAR.toString(), "demo", "--base-port",
                Integer.toString(base)).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    private static String awaitBanner(Process p, Path log) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            String out = Files.readString(log, StandardCharsets.UTF_8);
            if (out.contains("Ctrl-C stops everything")) {
                return out;
            }
            if (!p.isAlive()) {
                throw new AssertionError("the demo exited with " + p.exitValue() + ":\n" + out);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no banner within 120 s:\n" + Files.readString(log));
    }

    /** The banner lines (trimmed) that start with {@code prefix}. */
    private static List<String> lines(String banner, String prefix) {
        return banner.lines().map(String::strip).filter(l -> l.startsWith(prefix)).toList();
    }

    private String bash(String command) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(true)
                .start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command);
        return out;
    }

    /** A base port whose demo ports are all free now. */
    private static int freeBase() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            if (portsFree(base)) {
                return base;
            }
        }
        throw new IOException("no free demo port range found");
    }

    private static boolean portsFree(int base) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int o : OFFSETS) {
                held.add(new ServerSocket(base + o, 1, InetAddress.getLoopbackAddress()));
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
