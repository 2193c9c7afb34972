package dev.phalanx.node.cli;

import dev.phalanx.cluster.model.PemFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's self-signed TLS certificate: an ECDSA P-256 key and certificate for {@code localhost} and
 * {@code 127.0.0.1} (subjectAltNames), made with the JDK's {@code keytool} (always next to {@code java}) and written
 * as PEM files the node reads: {@code demo-state/tls/demo.crt} and {@code demo.key} (PKCS#8, owner-only). A pair
 * that is still valid for a day, lists both names and fits together is kept across demo runs.
 */
final class DemoTls {
    static final String CERT = "demo.crt";
    static final String KEY = "demo.key";
    private static final long DAY_MILLIS = 24L * 3600 * 1000;

    private DemoTls() {
    }

    /** The folder holding {@link #CERT} and {@link #KEY}, made or kept; a line says which. */
    static Path ensure(Path stateDir) throws IOException {
        Path dir = Files.createDirectories(stateDir.resolve("tls"));
        Path cert = dir.resolve(CERT);
        Path key = dir.resolve(KEY);
        String unfit = unfit(cert, key);
        if (unfit == null) {
            System.out.println("demo: reusing the TLS certificate " + cert);
            return dir;
        }
        if (Files.exists(cert) || Files.exists(key)) {
            System.out.println("demo: making a new TLS certificate (" + unfit + ")");
        }
        generate(dir, cert, key);
        String check = unfit(cert, key);
        if (check != null) {
            throw new IOException("the generated TLS certificate " + cert + " is unusable: " + check);
        }
        System.out.println("demo: made a self-signed TLS certificate for localhost and 127.0.0.1: " + cert);
        return dir;
    }

    /** Why the pair cannot be used, or null when it can. */
    static String unfit(Path cert, Path key) {
        if (!Files.isRegularFile(cert) || !Files.isRegularFile(key)) {
            return "no certificate yet";
        }
        try {
            X509Certificate leaf = PemFiles.certificates(cert).get(0);
            leaf.checkValidity(new Date(System.currentTimeMillis() + DAY_MILLIS));
            List<String> names = subjectAltNames(leaf);
            if (!names.contains("localhost") || !names.contains("127.0.0.1")) {
                return cert + " does not list localhost and 127.0.0.1";
            }
            PrivateKey k = PemFiles.privateKey(key);
            if (!PemFiles.matches(k, leaf)) {
                return key + " is not the key of " + cert;
            }
            return null;
        } catch (IOException | GeneralSecurityException e) {
            return cert + ": " + e.getMessage();
        }
    }

    private static List<String> subjectAltNames(X509Certificate cert) throws CertificateParsingException {
        List<String> out = new ArrayList<>();
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                out.add(String.valueOf(san.get(1)));
            }
        }
        return out;
    }

    private static void generate(Path dir, Path cert, Path key) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Path store = dir.resolve("demo-" + System.nanoTime() + ".p12");
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        List<String> cmd = List.of(keytool.toString(), "-genkeypair", "-noprompt", "-alias", "demo",
                "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=localhost, O=Phalanx demo", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
                "-validity", "365", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", password, "-keypass", password);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(keytool + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(keytool + " failed (exit " + p.exitValue() + "): " + out.strip());
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password.toCharArray());
            }
            X509Certificate c = (X509Certificate) ks.getCertificate("demo");
            PrivateKey k = (PrivateKey) ks.getKey("demo", password.toCharArray());
            writeAtomically(key, pem("PRIVATE KEY", k.getEncoded()), true); // PKCS#8
            writeAtomically(cert, pem("CERTIFICATE", c.getEncoded()), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making the TLS certificate");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the keystore keytool made: " + e.getMessage());
        } finally {
            Files.deleteIfExists(store);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void writeAtomically(Path target, String text, boolean secret) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp); // not a POSIX file system
        }
        Files.writeString(tmp, text);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
