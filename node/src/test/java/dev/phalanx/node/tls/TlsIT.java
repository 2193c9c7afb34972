package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.state.LocalTicketKeyRing;
import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS listeners against real peers: {@code openssl s_client} and {@code curl}, certificates made by the
 * {@code openssl} command for each run.
 */
class TlsIT {
    private static TestPki pki;
    private static TestBackend backend;
    private NodeHarness node;

    @BeforeAll
    static void pki() {
        pki = TestPki.create();
        pki.server("a", false, "a.test", "*.a.test");
        pki.server("b", true, "b.test");
        pki.server("c-rsa", false, "c.test");
        pki.server("c-ec", true, "c.test");
        pki.client("alice", "/O=Example/CN=alice");
        pki.selfSigned("mallory", "/CN=mallory");
        backend = new TestBackend("be").start();
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    static String cert(String name) {
        return "{ certFile: \"" + pki.crt(name) + "\", keyFile: \"" + pki.key(name) + "\" }";
    }

    /** A node whose listener {@code web} has TLS with the given certificates and more TLS keys. */
    static NodeHarness tlsNode(String routeExtra, String tlsExtra, LocalTicketKeyRing ring, String... certs) {
        String listener = "{ name: web, bind: \"127.0.0.1:0\", tls: { certificates: [" + String.join(", ", certs)
                + "]" + (tlsExtra == null ? "" : ", " + tlsExtra) + " } }";
        return NodeHarness.start(NodeHarness.simpleRoutes(routeExtra, null, backend), null, listener, ring);
    }

    private String metrics() throws Exception {
        return HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + node.adminAddress().getPort() + "/metrics")).build(),
                BodyHandlers.ofString()).body();
    }

    @Test
    void sniPicksTheCertificateByItsSansAndTheFirstIsTheDefault() {
        node = tlsNode(null, null, null, cert("a"), cert("b"));
        assertEquals("subject=CN = a.test", SClient.subject(SClient.run(node.port(), "a.test")));
        assertEquals("subject=CN = a.test", SClient.subject(SClient.run(node.port(), "www.a.test")));
        assertEquals("subject=CN = b.test", SClient.subject(SClient.run(node.port(), "B.TEST")));
        assertEquals("subject=CN = a.test", SClient.subject(SClient.run(node.port(), "unknown.test")));
        assertEquals("subject=CN = a.test", SClient.subject(SClient.run(node.port(), null)));
        // a wildcard covers one label only
        assertEquals("subject=CN = a.test", SClient.subject(SClient.run(node.port(), "x.y.a.test")));
        String out = SClient.run(node.port(), "b.test");
        assertTrue(out.contains("HTTP/1.1 200 OK"), out);
    }

    @Test
    void rsaAndEcdsaCertificatesForOneNameAreServedByWhatTheClientSupports() {
        node = tlsNode(null, null, null, cert("a"), cert("c-rsa"), cert("c-ec"));
        String ec = SClient.run(node.port(), "c.test", "-sigalgs", "ECDSA+SHA256");
        assertTrue(ec.contains("Peer signature type: ECDSA"), ec);
        String rsa = SClient.run(node.port(), "c.test", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256");
        assertTrue(rsa.contains("Peer signature type: RSA"), rsa);
        String tls12Rsa = SClient.run(node.port(), "c.test", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256");
        assertTrue(tls12Rsa.contains("Cipher is ECDHE-RSA-AES128-GCM-SHA256"), tls12Rsa);
        String tls12Ec = SClient.run(node.port(), "c.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");
        assertTrue(tls12Ec.contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256"), tls12Ec);
    }

    @Test
    void onlyTls12And13WithForwardSecretAeadCiphers() throws Exception {
        node = tlsNode(null, null, null, cert("a"));
        String tls11 = SClient.run(node.port(), "a.test", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        assertFalse(tls11.contains("HTTP/1.1 200"), tls11);
        assertTrue(tls11.contains("Cipher is (NONE)") || tls11.contains("alert protocol version"), tls11);
        String cbc = SClient.run(node.port(), "a.test", "-tls1_2", "-cipher", "AES128-SHA:ECDHE-RSA-AES128-SHA");
        assertFalse(cbc.contains("HTTP/1.1 200"), cbc);
        String tls13 = SClient.run(node.port(), "a.test", "-tls1_3");
        assertTrue(tls13.contains("TLSv1.3") && tls13.contains("HTTP/1.1 200"), tls13);
        String tls12 = SClient.run(node.port(), "a.test", "-tls1_2");
        assertTrue(tls12.contains("ECDHE-RSA-AES") && tls12.contains("HTTP/1.1 200"), tls12);
        String m = metrics();
        assertTrue(m.contains("phalanx_tls_handshake_failures_total{reason=\"protocol\"}"), m);
        assertTrue(m.contains("phalanx_tls_handshake_failures_total{reason=\"cipher\"}"), m);
    }

    @Test
    void plainHttpOnTheTlsPortIsCountedAndClosed() throws Exception {
        node = tlsNode(null, null, null, cert("a"));
        String out = dev.phalanx.node.testsupport.RawHttp.exchange(node.port(),
                "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n", 500);
        assertFalse(out.contains("200"), out);
        assertTrue(metrics().contains("phalanx_tls_handshake_failures_total{reason=\"not-tls\"} 1.0"));
    }

    @Test
    void sessionsResumeWithTicketsOnTls12AndTls13() throws Exception {
        node = tlsNode(null, null, null, cert("a"));
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            Path session = Files.createTempFile(pki.dir, "session", ".pem");
            String first = SClient.run(node.port(), "a.test", version, "-sess_out", session.toString());
            assertTrue(first.contains("New, TLSv1."), first);
            String second = SClient.run(node.port(), "a.test", version, "-sess_in", session.toString());
            assertTrue(second.contains("Reused, TLSv1."), second);
            assertTrue(second.contains("HTTP/1.1 200"), second);
        }
        String m = metrics();
        assertTrue(m.contains("phalanx_tls_handshakes_total{resumed=\"true\"} 2.0"), m);
        assertTrue(m.contains("phalanx_tls_handshakes_total{resumed=\"false\"} 2.0"), m);
    }

    @Test
    void sessionsResumeAcrossAListenerRestartOnlyWithTheSameTicketKeys() throws Exception {
        try (LocalTicketKeyRing ring = new LocalTicketKeyRing(Duration.ofHours(1))) {
            node = tlsNode(null, null, ring, cert("a"));
            Path session = Files.createTempFile(pki.dir, "session", ".pem");
            assertTrue(SClient.run(node.port(), "a.test", "-tls1_3", "-sess_out", session.toString())
                    .contains("New, TLSv1.3"));
            node.close();
            // a new listener (new OpenSSL contexts, empty session cache) with the same ring: the ticket decrypts
            node = tlsNode(null, null, ring, cert("a"));
            String again = SClient.run(node.port(), "a.test", "-tls1_3", "-sess_in", session.toString());
            assertTrue(again.contains("Reused, TLSv1.3"), again);
            node.close();
            // other keys (a node restart makes a new local ring): a full handshake
            node = tlsNode(null, null, null, cert("a"));
            String other = SClient.run(node.port(), "a.test", "-tls1_3", "-sess_in", session.toString());
            assertTrue(other.contains("New, TLSv1.3"), other);
            assertTrue(other.contains("HTTP/1.1 200"), other);
        }
    }

    @Test
    void ticketKeysFollowTheRingsRotation() throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(100 * 3_600_000L);
        try (LocalTicketKeyRing ring = new LocalTicketKeyRing(Duration.ofHours(1), clock::get, false)) {
            node = tlsNode(null, null, ring, cert("a"));
            Path session = Files.createTempFile(pki.dir, "session", ".pem");
            assertTrue(SClient.run(node.port(), "a.test", "-tls1_3", "-sess_out", session.toString())
                    .contains("New, TLSv1.3"));
            clock.set(101 * 3_600_000L);
            ring.rotateNow(); // the key that issued the ticket is now the previous one: it still decrypts
            String previous = SClient.run(node.port(), "a.test", "-tls1_3", "-sess_in", session.toString());
            assertTrue(previous.contains("Reused, TLSv1.3"), previous);
            String cluster = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + node.adminAddress().getPort() + "/cluster")).build(),
                    BodyHandlers.ofString()).body();
            assertTrue(cluster.contains("\"ticketEpochs\":[101,102,100]"), cluster);
            clock.set(103 * 3_600_000L);
            ring.rotateNow(); // two epochs later the key is gone: a full handshake
            String gone = SClient.run(node.port(), "a.test", "-tls1_3", "-sess_in", session.toString());
            assertTrue(gone.contains("New, TLSv1.3"), gone);
        }
    }

    @Test
    void theJdkEngineServesWhenOpenSslIsNotUsed() {
        System.setProperty("phalanx.tls.forceJdk", "true");
        try {
            node = tlsNode(null, null, null, cert("a"), cert("b"));
        } finally {
            System.clearProperty("phalanx.tls.forceJdk");
        }
        String out = SClient.run(node.port(), "b.test");
        assertTrue(out.contains("HTTP/1.1 200"), out);
        assertEquals("subject=CN = b.test", SClient.subject(out));
        assertTrue(SClient.run(node.port(), "a.test", "-tls1_2").contains("HTTP/1.1 200"));
    }

    @Test
    void hstsAndForwardedProtoOverCurl() throws Exception {
        node = tlsNode(null, "hsts: \"max-age=31536000; includeSubDomains\"", null, cert("a"));
        int before = backend.requests().size();
        String out = pki.run("curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert", pki.crt("ca").toString(),
                "--resolve", "a.test:" + node.port() + ":127.0.0.1", "https://a.test:" + node.port() + "/x");
        assertTrue(out.startsWith("HTTP/1.1 200"), out);
        assertTrue(out.toLowerCase().contains("strict-transport-security: max-age=31536000; includesubdomains"), out);
        assertEquals(before + 1, backend.requests().size());
        HttpRequest seen = backend.requests().get(before);
        assertEquals("https", seen.headers().get("x-forwarded-proto"));
        // the node's own responses carry it too
        String notFound = pki.run("curl", "-sS", "-D", "-", "-o", "/dev/null", "-X", "BREW", "--cacert",
                pki.crt("ca").toString(), "--resolve", "a.test:" + node.port() + ":127.0.0.1",
                "https://a.test:" + node.port() + "/");
        assertTrue(notFound.toLowerCase().contains("strict-transport-security"), notFound);
    }

    @Test
    void requiredClientCertificateIsVerifiedAndItsSubjectGoesUpstreamInTheRoutesHeader() throws Exception {
        node = tlsNode("clientCertHeader: X-Client-Subject", "clientAuth: require, clientCaFile: \""
                + pki.crt("ca") + "\"", null, cert("a"));
        int before = backend.requests().size();
        String forged = "X-Client-Subject: CN=admin\r\n";
        String none = SClient.request(node.port(), "a.test", forged, "-tls1_3");
        assertFalse(none.contains("HTTP/1.1 200"), none);
        String stranger = SClient.request(node.port(), "a.test", forged, "-cert", pki.crt("mallory").toString(),
                "-key", pki.key("mallory").toString());
        assertFalse(stranger.contains("HTTP/1.1 200"), stranger);
        assertEquals(before, backend.requests().size());
        String alice = SClient.request(node.port(), "a.test", forged, "-cert", pki.crt("alice").toString(),
                "-key", pki.key("alice").toString());
        assertTrue(alice.contains("HTTP/1.1 200"), alice);
        HttpRequest seen = backend.requests().get(before);
        assertEquals(List.of("CN=alice,O=Example"), seen.headers().getAll("x-client-subject"));
        String m = metrics();
        assertTrue(m.contains("reason=\"client-cert-missing\""), m);
        assertTrue(m.contains("reason=\"client-cert-rejected\""), m);
    }

    @Test
    void optionalClientCertificateAndTheHeaderIsStrippedWithoutOne() {
        node = tlsNode("clientCertHeader: x-client-subject", "clientAuth: optional, clientCaFile: \""
                + pki.crt("ca") + "\"", null, cert("a"));
        int before = backend.requests().size();
        String anonymous = SClient.request(node.port(), "a.test", "X-Client-Subject: CN=admin\r\n");
        assertTrue(anonymous.contains("HTTP/1.1 200"), anonymous);
        assertNull(backend.requests().get(before).headers().get("x-client-subject"));
        String alice = SClient.request(node.port(), "a.test", "", "-cert", pki.crt("alice").toString(),
                "-key", pki.key("alice").toString());
        assertTrue(alice.contains("HTTP/1.1 200"), alice);
        assertEquals("CN=alice,O=Example", backend.requests().get(before + 1).headers().get("x-client-subject"));
    }

    @Test
    void certificateExpiryIsAGaugePerName() throws Exception {
        node = tlsNode(null, null, null, cert("a"), cert("b"));
        String m = metrics();
        assertTrue(m.contains("phalanx_tls_certificate_expiry_seconds{key=\"rsa\",listener=\"web\",name=\"a.test\"}"),
                m);
        assertTrue(m.contains("phalanx_tls_certificate_expiry_seconds{key=\"ec\",listener=\"web\",name=\"b.test\"}"),
                m);
    }

    @Test
    void aBadKeyStopsTheStartWithThePathOfTheProblem() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> tlsNode(null, null, null, "{ certFile: \"" + pki.crt("a") + "\", keyFile: \"" + pki.key("b")
                        + "\" }"));
        assertTrue(e.getMessage().contains("listeners[web].tls.certificates[0].keyFile: "), e.getMessage());
        assertTrue(e.getMessage().contains("is not the key of"), e.getMessage());
    }

    static void copy(Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        Files.copy(from, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static void assertNotNullOrFail(Object o, String what) {
        assertNotNull(o, what);
    }
}
