package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM reading against files made by the real {@code openssl} command, in each key format it writes. */
class PemFilesTest {
    @TempDir
    static Path dir;

    static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }

    @BeforeAll
    static void keys() throws Exception {
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa8.key", "-out", "rsa.crt", "-days",
                "2", "-subj", "/CN=rsa.test");
        openssl("rsa", "-in", "rsa8.key", "-traditional", "-out", "rsa1.key");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "sec1.key");
        openssl("req", "-x509", "-key", "sec1.key", "-out", "ec.crt", "-days", "2", "-subj", "/CN=ec.test");
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", "sec1.key", "-out", "ec8.key");
        openssl("pkcs8", "-topk8", "-in", "sec1.key", "-out", "enc.key", "-passout", "pass:x");
    }

    @Test
    void readsPkcs8Pkcs1AndSec1KeysAndMatchesThemToTheirCertificates() throws Exception {
        X509Certificate rsa = PemFiles.certificates(dir.resolve("rsa.crt")).get(0);
        X509Certificate ec = PemFiles.certificates(dir.resolve("ec.crt")).get(0);
        for (String k : List.of("rsa8.key", "rsa1.key")) {
            PrivateKey key = PemFiles.privateKey(dir.resolve(k));
            assertEquals("RSA", key.getAlgorithm());
            assertTrue(PemFiles.matches(key, rsa), k);
            assertFalse(PemFiles.matches(key, ec), k);
        }
        for (String k : List.of("sec1.key", "ec8.key")) {
            PrivateKey key = PemFiles.privateKey(dir.resolve(k));
            assertEquals("EC", key.getAlgorithm());
            assertTrue(PemFiles.matches(key, ec), k);
        }
    }

    @Test
    void validateNamesTheFileThatDoesNotFit() throws Exception {
        Path cfg = dir.resolve("node.yaml");
        Files.writeString(cfg, """
                listeners:
                  - name: websecure
                    bind: 127.0.0.1:0
                    tls:
                      certificates:
                        - { certFile: rsa.crt, keyFile: rsa1.key }
                        - { certFile: ec.crt, keyFile: rsa8.key }
                      clientAuth: optional
                      clientCaFile: junk-ca.pem
                config: { file: routes.yaml }
                """);
        Files.writeString(dir.resolve("junk-ca.pem"), "not a certificate");
        Files.writeString(dir.resolve("routes.yaml"), "routes: []\npools: []\n");
        List<ConfigError> errors = dev.phalanx.cluster.config.ConfigValidator.validate(cfg);
        assertEquals(2, errors.size(), errors.toString());
        assertEquals("listeners[websecure].tls.certificates[1].keyFile", errors.get(0).path());
        assertTrue(errors.get(0).message().endsWith("rsa8.key is not the key of " + dir.resolve("ec.crt")),
                errors.get(0).message());
        assertEquals("listeners[websecure].tls.clientCaFile", errors.get(1).path());
        assertTrue(errors.get(1).message().contains("holds no PEM certificate"), errors.get(1).message());
    }

    @Test
    void saysWhatIsWrong() throws Exception {
        Files.writeString(dir.resolve("junk.pem"), "hello");
        assertTrue(assertThrows(IOException.class, () -> PemFiles.privateKey(dir.resolve("enc.key"))).getMessage()
                .contains("encrypted"));
        assertTrue(assertThrows(IOException.class, () -> PemFiles.certificates(dir.resolve("junk.pem"))).getMessage()
                .contains("holds no PEM certificate"));
        assertTrue(assertThrows(IOException.class, () -> PemFiles.privateKey(dir.resolve("rsa.crt"))).getMessage()
                .contains("holds no PEM private key"));
    }
}
