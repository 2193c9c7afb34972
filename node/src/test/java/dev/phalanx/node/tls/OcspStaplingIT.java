package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OCSP stapling end to end: certificates whose AIA names a real {@code openssl ocsp} responder on loopback, a real
 * node listener, and {@code openssl s_client -status} as the client. A good certificate is stapled (TLS 1.3 and 1.2),
 * a revoked one is not, a dead responder leaves handshakes working without a staple, {@code ocspStapling: false}
 * fetches nothing, and a rotated certificate gets its own response.
 */
class OcspStaplingIT {
    static OcspPki pki;
    static OcspPki.Responder responder;
    static TestBackend backend;

    @BeforeAll
    static void setUp() {
        pki = new OcspPki();
        int port = OcspPki.freePort();
        int dead = OcspPki.freePort();
        String url = "http://127.0.0.1:" + port;
        pki.leaf("good", "a.test", url);
        pki.leaf("good2", "a.test", url);
        pki.leaf("revoked", "a.test", url);
        pki.leaf("down", "a.test", "http://127.0.0.1:" + dead);
        pki.index("good", false);
        pki.index("good2", false);
        pki.index("revoked", true);
        responder = pki.startResponder(port, "ocsp", "-ndays", "1");
        backend = new TestBackend("be").start();
    }

    @AfterAll
    static void tearDown() {
        if (responder != null) {
            responder.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static NodeHarness node(Path chain, String key, String tlsExtra) {
        return NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend), null,
                "{ name: web, bind: \"127.0.0.1:0\", tls: { certificates: [{ certFile: \"" + chain
                        + "\", keyFile: \"" + key + "\" }]" + tlsExtra + " } }", null);
    }

    @Test
    void goodCertificateIsStapledOverTls13AndTls12() throws Exception {
        long start = System.nanoTime();
        try (NodeHarness node = node(pki.chain("good"), pki.pki.key("good").toString(), "")) {
            String out = awaitOutput(node.port(), s -> s.contains("OCSP Response Status: successful"));
            System.out.println("FIGURE ocsp: first staple served " + (System.nanoTime() - start) / 1_000_000
                    + " ms after the node started (includes s_client polls)");
            assertTrue(out.contains("Cert Status: good"), out);
            assertTrue(out.contains("Serial Number: " + OcspPki.serialHex(pki.cert("good").getSerialNumber())), out);
            assertTrue(out.contains("TLSv1.3"), out);
            assertTrue(out.contains("HTTP/1.1 200"), out);

            String tls12 = SClient.run(node.port(), "a.test", "-status", "-tls1_2");
            assertTrue(tls12.contains("OCSP Response Status: successful"), tls12);
            assertTrue(tls12.contains("Cert Status: good"), tls12);
            assertTrue(tls12.contains("HTTP/1.1 200"), tls12);

            String metrics = metrics(node);
            assertTrue(metrics.contains("phalanx_tls_ocsp_fetches_total{result=\"ok\"}"), metrics);
            double valid = gauge(metrics, "phalanx_tls_ocsp_response_valid_seconds");
            assertTrue(valid > 23 * 3600 && valid <= 24 * 3600, "valid for " + valid + " s");
        }
    }

    @Test
    void revokedCertificateIsNotStapled() throws Exception {
        try (NodeHarness node = node(pki.chain("revoked"), pki.pki.key("revoked").toString(), "")) {
            awaitMetric(node, "phalanx_tls_ocsp_fetches_total{result=\"revoked\"}");
            assertServedWithoutStaple(node);
            assertTrue(metrics(node).contains("phalanx_tls_ocsp_response_valid_seconds{key=\"ec\",listener=\"web\","
                    + "name=\"a.test\"} NaN"), metrics(node));
        }
    }

    @Test
    void handshakesWorkWithoutStapleWhenTheResponderIsDown() throws Exception {
        try (NodeHarness node = node(pki.chain("down"), pki.pki.key("down").toString(), "")) {
            awaitMetric(node, "phalanx_tls_ocsp_fetches_total{result=\"http_error\"}");
            assertServedWithoutStaple(node);
        }
    }

    @Test
    void certificateFileWithoutIssuerIsServedWithoutStaple() throws Exception {
        // the leaf alone (cert.pem rather than fullchain.pem): nothing to build the request from
        try (NodeHarness node = node(pki.pki.crt("good"), pki.pki.key("good").toString(), "")) {
            Thread.sleep(1000);
            assertServedWithoutStaple(node);
            assertFalse(metrics(node).contains("phalanx_tls_ocsp_fetches_total{"), metrics(node));
        }
    }

    @Test
    void staplingOffFetchesNothing() throws Exception {
        try (NodeHarness node = node(pki.chain("good"), pki.pki.key("good").toString(), ", ocspStapling: false")) {
            String out = SClient.run(node.port(), "a.test", "-status");
            assertTrue(out.contains("HTTP/1.1 200"), out);
            Thread.sleep(2000); // a fetch started at start-up would have been counted by now
            out = SClient.run(node.port(), "a.test", "-status");
            assertTrue(out.contains("OCSP response: no response sent"), out);
            assertFalse(metrics(node).contains("phalanx_tls_ocsp_fetches_total{"), metrics(node));
        }
    }

    @Test
    void rotatedCertificateGetsItsOwnResponse() throws Exception {
        Path live = Files.createDirectories(pki.dir().resolve("live"));
        TlsIT.copy(pki.chain("good"), live.resolve("cert.pem"));
        TlsIT.copy(pki.pki.key("good"), live.resolve("key.pem"));
        try (NodeHarness node = node(live.resolve("cert.pem"), live.resolve("key.pem").toString(), "")) {
            String serial1 = OcspPki.serialHex(pki.cert("good").getSerialNumber());
            String out = awaitOutput(node.port(), s -> s.contains("Serial Number: " + serial1));
            assertTrue(out.contains("Cert Status: good"), out);

            TlsIT.copy(pki.chain("good2"), live.resolve("cert.pem"));
            TlsIT.copy(pki.pki.key("good2"), live.resolve("key.pem"));
            String serial2 = OcspPki.serialHex(pki.cert("good2").getSerialNumber());
            out = awaitOutput(node.port(), s -> s.contains("Serial Number: " + serial2));
            assertTrue(out.contains("Cert Status: good"), out);
            assertFalse(out.contains("Serial Number: " + serial1), out);
        }
    }

    /** s_client -status until its output passes the check (at most 30 tries, 0.5 s apart). */
    private static String awaitOutput(int port, Predicate<String> check) throws InterruptedException {
        String out = "";
        for (int i = 0; i < 30; i++) {
            out = SClient.run(port, "a.test", "-status");
            if (check.test(out)) {
                return out;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("s_client never printed what was expected; last output:\n" + out);
    }

    private static void awaitMetric(NodeHarness node, String line) throws Exception {
        for (int i = 0; i < 60; i++) {
            if (metrics(node).contains(line)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no " + line + " in\n" + metrics(node));
    }

    static String metrics(NodeHarness node) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + node.adminAddress().getPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static double gauge(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*\\} (\\S+)$").matcher(metrics);
        assertTrue(m.find(), "no " + name + " in\n" + metrics);
        return Double.parseDouble(m.group(1));
    }

    /** A handshake that asks for a staple gets none, and the request through it is answered. */
    private static void assertServedWithoutStaple(NodeHarness node) throws Exception {
        String out = SClient.run(node.port(), "a.test", "-status");
        assertTrue(out.contains("OCSP response: no response sent"), out);
        assertTrue(out.contains("HTTP/1.1 200"), out);
    }
}
