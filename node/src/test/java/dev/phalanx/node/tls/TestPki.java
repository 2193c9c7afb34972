package dev.phalanx.node.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made with the real {@code openssl} command in a temporary folder: one CA, server certificates
 * (RSA or ECDSA) with the DNS SANs asked for, and client certificates. Files: {@code NAME.crt}, {@code NAME.key}.
 */
final class TestPki {
    final Path dir;

    TestPki(Path dir) {
        this.dir = dir;
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "30", "-subj", "/CN=Phalanx Test CA");
    }

    static TestPki create() {
        try {
            return new TestPki(Files.createTempDirectory("phalanx-pki"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate signed by the CA. @param ecdsa P-256 key, else RSA 2048 */
    Path server(String name, boolean ecdsa, String... dnsNames) {
        StringBuilder san = new StringBuilder();
        for (String n : dnsNames) {
            san.append(san.length() == 0 ? "" : ",").append("DNS:").append(n);
        }
        return issue(name, ecdsa, "/CN=" + (dnsNames.length > 0 ? dnsNames[0] : name),
                "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                        + "extendedKeyUsage=serverAuth\n" + (san.length() > 0 ? "subjectAltName=" + san + "\n" : ""));
    }

    /** A client certificate with the subject given (like {@code /O=Example/CN=alice}). */
    Path client(String name, String subject) {
        return issue(name, true, subject, "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n");
    }

    /** A self-signed certificate, not from the CA (a client the node must refuse). */
    Path selfSigned(String name, String subject) {
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".crt", "-days", "30", "-subj", subject);
        return dir.resolve(name + ".crt");
    }

    private Path issue(String name, boolean ecdsa, String subject, String extensions) {
        try {
            Files.writeString(dir.resolve(name + ".ext"), extensions);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<String> key = ecdsa
                ? List.of("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-out", name + ".key")
                : List.of("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", name + ".key");
        run(key.toArray(String[]::new));
        run("openssl", "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", subject);
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "30", "-extfile", name + ".ext", "-out", name + ".crt");
        return dir.resolve(name + ".crt");
    }

    Path crt(String name) {
        return dir.resolve(name + ".crt");
    }

    Path key(String name) {
        return dir.resolve(name + ".key");
    }

    /** Runs a command in the PKI folder; fails with its output when it fails. */
    String run(String... command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
