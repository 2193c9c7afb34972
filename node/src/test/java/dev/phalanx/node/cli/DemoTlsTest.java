package dev.phalanx.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo certificate, made with the real {@code keytool}: names, key format, reuse, and replacement of unfit files. */
class DemoTlsTest {
    @TempDir
    Path state;

    @Test
    void makesAnEcdsaCertificateForLocalhostAndLoopbackAndKeepsIt() throws Exception {
        Path tls = DemoTls.ensure(state);
        Path cert = tls.resolve(DemoTls.CERT);
        Path key = tls.resolve(DemoTls.KEY);
        X509Certificate leaf = PemFiles.certificates(cert).get(0);
        assertEquals("EC", leaf.getPublicKey().getAlgorithm());
        List<String> sans = leaf.getSubjectAlternativeNames().stream().map(s -> String.valueOf(s.get(1))).toList();
        assertTrue(sans.containsAll(List.of("localhost", "127.0.0.1")), sans.toString());
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"), "PKCS#8 PEM");
        assertNull(DemoTls.unfit(cert, key));

        String before = Files.readString(cert);
        DemoTls.ensure(state);
        assertEquals(before, Files.readString(cert), "a valid pair is kept across runs");
    }

    @Test
    void replacesAPairThatDoesNotFitTogetherOrDoesNotParse() throws Exception {
        Path tls = DemoTls.ensure(state);
        Path cert = tls.resolve(DemoTls.CERT);
        Path key = tls.resolve(DemoTls.KEY);
        String firstCert = Files.readString(cert);
        Path other = DemoTls.ensure(Files.createDirectories(state.resolve("other")));
        Files.copy(other.resolve(DemoTls.KEY), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertTrue(DemoTls.unfit(cert, key).contains("is not the key of"), DemoTls.unfit(cert, key));
        DemoTls.ensure(state);
        assertNull(DemoTls.unfit(cert, key));
        assertNotEquals(firstCert, Files.readString(cert));

        Files.writeString(cert, "garbage\n");
        assertTrue(DemoTls.unfit(cert, key).contains("no PEM certificate"), DemoTls.unfit(cert, key));
        DemoTls.ensure(state);
        assertNull(DemoTls.unfit(cert, key));
    }
}
