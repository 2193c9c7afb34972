package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.TestBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RSA handshakes signed by the system's libcrypto through the node's shim, against the real {@code openssl
 * s_client} (which checks every server signature against the certificate): TLS 1.3 and 1.2, PSS and PKCS#1,
 * resumption, the JDK for SHA-1-only clients, {@code rsaSigner: boringssl}, and native keys freed on rotation and
 * close. {@code rsaSigner: libcrypto} makes the node refuse to start without the shim, so these tests cannot pass
 * on BoringSSL's signatures.
 */
class RsaSignerIT {
    private static TestPki pki;
    private static TestBackend backend;
    private NodeHarness node;

    @BeforeAll
    static void pki() {
        pki = TestPki.create();
        pki.server("rsa", false, "r.test");
        pki.server("rsa2", false, "r.test");
        pki.server("ec", true, "r.test");
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

    private NodeHarness start(String rsaSigner, Path cert, Path key) {
        String listener = "{ name: web, bind: \"127.0.0.1:0\", tls: { certificates: [{ certFile: \"" + cert
                + "\", keyFile: \"" + key + "\" }], rsaSigner: " + rsaSigner + " } }";
        return NodeHarness.start(NodeHarness.simpleRoutes(null, null, backend), null, listener, null);
    }

    private long signatures(String signer) throws Exception {
        String m = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + node.adminAddress().getPort() + "/metrics")).build(),
                BodyHandlers.ofString()).body();
        Matcher x = Pattern.compile("phalanx_tls_rsa_signatures_total\\{signer=\"" + signer + "\"} ([0-9.E]+)")
                .matcher(m);
        assertTrue(x.find(), m);
        return (long) Double.parseDouble(x.group(1));
    }

    private static void assertServed(String out, String... expected) {
        assertTrue(out.contains("HTTP/1.1 200"), out);
        for (String e : expected) {
            assertTrue(out.contains(e), e + " in\n" + out);
        }
    }

    @Test
    void libcryptoSignsTls13AndTls12HandshakesAndResumedOnesNeedNoSignature() throws Exception {
        int live = NativeRsaKey.live();
        node = start("libcrypto", pki.crt("rsa"), pki.key("rsa"));
        assertEquals(live + 1, NativeRsaKey.live());
        assertServed(SClient.run(node.port(), "r.test", "-tls1_3"), "TLSv1.3", "Peer signature type: RSA-PSS",
                "Peer signing digest: SHA256");
        assertServed(SClient.run(node.port(), "r.test", "-tls1_3", "-sigalgs", "RSA-PSS+SHA512"),
                "Peer signature type: RSA-PSS", "Peer signing digest: SHA512");
        assertServed(SClient.run(node.port(), "r.test", "-tls1_2", "-sigalgs", "RSA+SHA256"),
                "ECDHE-RSA-AES", "Peer signature type: RSA\n", "Peer signing digest: SHA256");
        assertServed(SClient.run(node.port(), "r.test", "-tls1_2", "-sigalgs", "RSA+SHA384"),
                "Peer signature type: RSA\n", "Peer signing digest: SHA384");
        assertServed(SClient.run(node.port(), "r.test", "-tls1_2", "-sigalgs", "RSA-PSS+SHA384"),
                "Peer signature type: RSA-PSS", "Peer signing digest: SHA384");
        assertEquals(5, signatures("libcrypto"));
        assertEquals(0, signatures("jdk"));

        for (String version : new String[]{"-tls1_3", "-tls1_2"}) {
            Path session = Files.createTempFile(pki.dir, "session", ".pem");
            assertServed(SClient.run(node.port(), "r.test", version, "-sess_out", session.toString()), "New, TLSv1.");
            assertServed(SClient.run(node.port(), "r.test", version, "-sess_in", session.toString()),
                    "Reused, TLSv1.");
        }
        assertEquals(7, signatures("libcrypto"), "two full handshakes signed, the resumed ones not");

        // a TLS 1.2 client offering only rsa_pkcs1_sha1: the shim does not take SHA-1, the JDK signs
        assertServed(SClient.run(node.port(), "r.test", "-tls1_2", "-sigalgs", "RSA+SHA1", "-cipher",
                "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"), "Peer signing digest: SHA1");
        assertEquals(1, signatures("jdk"));
        assertEquals(7, signatures("libcrypto"));

        node.close();
        node = null;
        assertEquals(live, NativeRsaKey.live(), "the listener's native key is freed when it closes");
    }

    @Test
    void boringsslSignsWhenTheListenerSaysSo() throws Exception {
        int live = NativeRsaKey.live();
        node = start("boringssl", pki.crt("rsa"), pki.key("rsa"));
        assertEquals(live, NativeRsaKey.live());
        assertServed(SClient.run(node.port(), "r.test", "-tls1_3"), "Peer signature type: RSA-PSS");
        assertServed(SClient.run(node.port(), "r.test", "-tls1_2"), "ECDHE-RSA-AES");
        assertEquals(0, signatures("libcrypto"));
        assertEquals(0, signatures("jdk"));
    }

    @Test
    void libcryptoIsRefusedWithTheJdkEngineAndAutoFallsBack() throws Exception {
        System.setProperty("phalanx.tls.forceJdk", "true");
        try {
            Throwable e = assertThrows(Throwable.class, () -> start("libcrypto", pki.crt("rsa"), pki.key("rsa")));
            String messages = "";
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages += t.getMessage() + "\n";
            }
            assertTrue(messages.contains("listeners[web].tls.rsaSigner: libcrypto cannot be used: the OpenSSL engine"
                    + " is not available"), messages);
            node = start("auto", pki.crt("rsa"), pki.key("rsa"));
        } finally {
            System.clearProperty("phalanx.tls.forceJdk");
        }
        assertServed(SClient.run(node.port(), "r.test", "-tls1_3"), "Peer signature type: RSA-PSS");
        assertEquals(0, signatures("libcrypto"));
    }

    @Test
    void rotatedCertificatesGetANewNativeKeyAndTheOldOneIsFreed() throws Exception {
        Path live = Files.createDirectories(pki.dir.resolve("live-" + System.nanoTime()));
        TlsIT.copy(pki.crt("rsa"), live.resolve("cert.pem"));
        TlsIT.copy(pki.key("rsa"), live.resolve("key.pem"));
        int keys = NativeRsaKey.live();
        node = start("auto", live.resolve("cert.pem"), live.resolve("key.pem"));
        String first = serial(SClient.run(node.port(), "r.test", "-tls1_3", "-showcerts"));
        assertEquals(1, signatures("libcrypto"));
        assertEquals(keys + 1, NativeRsaKey.live());

        // another RSA certificate: served, signed by libcrypto with the new key, the old native key freed
        TlsIT.copy(pki.key("rsa2"), live.resolve("key.pem"));
        TlsIT.copy(pki.crt("rsa2"), live.resolve("cert.pem"));
        String now = first;
        for (int i = 0; i < 100 && now.equals(first); i++) {
            Thread.sleep(100);
            now = serial(SClient.run(node.port(), "r.test", "-tls1_3", "-showcerts"));
        }
        assertNotEquals(first, now, "the new certificate is served within 10 s");
        assertEquals(keys + 1, NativeRsaKey.live(), "one native key: the new one");
        long signed = signatures("libcrypto");
        assertServed(SClient.run(node.port(), "r.test", "-tls1_2"), "ECDHE-RSA-AES");
        assertEquals(signed + 1, signatures("libcrypto"));

        // an ECDSA certificate: no native key left
        TlsIT.copy(pki.key("ec"), live.resolve("key.pem"));
        TlsIT.copy(pki.crt("ec"), live.resolve("cert.pem"));
        String ec = "";
        for (int i = 0; i < 100 && !ec.contains("Peer signature type: ECDSA"); i++) {
            Thread.sleep(100);
            ec = SClient.run(node.port(), "r.test", "-tls1_3");
        }
        assertServed(ec, "Peer signature type: ECDSA");
        assertEquals(keys, NativeRsaKey.live());
        long before = signatures("libcrypto");
        assertServed(SClient.run(node.port(), "r.test", "-tls1_2"), "ECDHE-ECDSA-AES");
        assertEquals(before, signatures("libcrypto"));
    }

    /** The leaf's serial from {@code s_client -showcerts} output (its first PEM block). */
    private String serial(String out) {
        assertServed(out);
        int begin = out.indexOf("-----BEGIN CERTIFICATE-----");
        int end = out.indexOf("-----END CERTIFICATE-----", begin);
        assertTrue(begin >= 0 && end > begin, out);
        try {
            Path pem = Files.createTempFile(pki.dir, "leaf", ".pem");
            Files.writeString(pem, out.substring(begin, end + 25) + "\n");
            return pki.run("openssl", "x509", "-in", pem.toString(), "-noout", "-serial").trim();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
