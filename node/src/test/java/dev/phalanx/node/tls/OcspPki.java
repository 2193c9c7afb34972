package dev.phalanx.node.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PKI for OCSP tests made with the real {@code openssl} command ({@link TestPki}'s CA): leaf certificates whose
 * Authority Information Access names an OCSP responder, a delegated OCSP signer (id-kp-OCSPSigning), the responder's
 * {@code index.txt}, and the real {@code openssl ocsp} responder, either one-shot ({@link #respond}) or listening on
 * a loopback port ({@link #startResponder}).
 */
final class OcspPki {
    final TestPki pki;

    OcspPki() {
        pki = TestPki.create();
        pki.run("touch", "index.txt");
        pki.run("sh", "-c", "echo 'unique_subject = no' > index.txt.attr"); // several leaves may share a name
        issue("ocsp", "/CN=Phalanx Test OCSP Signer", "basicConstraints=critical,CA:FALSE\n"
                + "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,OCSPSigning\n");
    }

    Path dir() {
        return pki.dir;
    }

    /**
     * An ECDSA leaf for {@code dnsName} with an OCSP responder URL (none when null), and {@code NAME.chain.pem}
     * (leaf, then the CA) next to it.
     */
    Path leaf(String name, String dnsName, String ocspUrl) {
        issue(name, "/CN=" + dnsName, "basicConstraints=critical,CA:FALSE\n"
                + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:" + dnsName
                + "\n" + (ocspUrl == null ? "" : "authorityInfoAccess=OCSP;URI:" + ocspUrl + "\n"));
        pki.run("sh", "-c", "cat " + name + ".crt ca.crt > " + name + ".chain.pem");
        return pki.crt(name);
    }

    /** A certificate of the CA for anything (signers without the OCSP EKU, for instance). */
    Path issue(String name, String subject, String extensions) {
        try {
            Files.writeString(pki.dir.resolve(name + ".ext"), extensions);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        pki.run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                name + ".key");
        pki.run("openssl", "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", subject);
        pki.run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "30", "-extfile", name + ".ext", "-out", name + ".crt");
        return pki.crt(name);
    }

    Path chain(String name) {
        return pki.dir.resolve(name + ".chain.pem");
    }

    X509Certificate cert(String name) {
        try (var in = Files.newInputStream(pki.crt(name))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    X509Certificate ca() {
        return cert("ca");
    }

    /** Adds the certificate to index.txt as valid ({@code V}) or revoked ({@code R}, revoked an hour ago). */
    void index(String name, boolean revoked) {
        X509Certificate c = cert(name);
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");
        String expiry = ZonedDateTime.ofInstant(c.getNotAfter().toInstant(), ZoneOffset.UTC).format(f);
        String revokedAt = revoked ? ZonedDateTime.now(ZoneOffset.UTC).minusHours(1).format(f) : "";
        String line = (revoked ? "R" : "V") + "\t" + expiry + "\t" + revokedAt + "\t" + serialHex(c.getSerialNumber())
                + "\tunknown\t" + c.getSubjectX500Principal().getName() + "\n";
        try {
            Files.writeString(pki.dir.resolve("index.txt"), line, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String serialHex(BigInteger serial) {
        String hex = serial.toString(16).toUpperCase(java.util.Locale.ROOT);
        return hex.length() % 2 == 1 ? "0" + hex : hex;
    }

    /**
     * Answers one DER request with {@code openssl ocsp -reqin}, signed by {@code signer} (its {@code .crt}/{@code .key}),
     * and returns the DER response.
     *
     * @param extra more {@code openssl ocsp} options ({@code -ndays 1}, {@code -resp_no_certs}, ...)
     */
    byte[] respond(byte[] request, String signer, String... extra) {
        try {
            Path req = Files.createTempFile(pki.dir, "req", ".der");
            Path resp = pki.dir.resolve(req.getFileName() + ".resp");
            Files.write(req, request);
            List<String> cmd = new ArrayList<>(List.of("openssl", "ocsp", "-index", "index.txt", "-CA", "ca.crt",
                    "-rsigner", signer + ".crt", "-rkey", signer + ".key", "-reqin", req.toString(),
                    "-respout", resp.toString()));
            cmd.addAll(List.of(extra));
            pki.run(cmd.toArray(String[]::new));
            return Files.readAllBytes(resp);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A running {@code openssl ocsp} responder on {@code port} (openssl 3.0 binds it on every address; the node reaches it on 127.0.0.1); closing ends it (by its PID). */
    Responder startResponder(int port, String signer, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "ocsp", "-index", "index.txt", "-CA", "ca.crt",
                "-rsigner", signer + ".crt", "-rkey", signer + ".key", "-port", String.valueOf(port),
                "-nrequest", "50"));
        cmd.addAll(List.of(extra));
        try {
            Path log = pki.dir.resolve("responder-" + port + ".log");
            Process p = new ProcessBuilder(cmd).directory(pki.dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            Responder r = new Responder(p, log);
            // wait for its "waiting for OCSP client connections" line: an empty probe connection would make
            // openssl 3.0's responder spin on it
            for (int i = 0; i < 100; i++) {
                if (Files.readString(log).contains("waiting for OCSP client connections")) {
                    return r;
                }
                if (!p.isAlive()) {
                    throw new IllegalStateException("openssl ocsp ended (" + p.exitValue() + "): "
                            + Files.readString(log));
                }
                Thread.sleep(100);
            }
            r.close();
            throw new IllegalStateException("openssl ocsp does not listen on " + port);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A responder process started by the test. */
    record Responder(Process process, Path log) implements AutoCloseable {
        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A free loopback port (nothing listens on it when this returns). */
    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
