package dev.phalanx.node.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.logging.Logger;

/**
 * The node's JNI shim {@code libphalanx_rsa.so} (source: {@code node/src/main/c/phalanx_rsa.c}), which signs with the
 * system's OpenSSL 3 {@code libcrypto.so.3}: RSA signatures for TLS handshakes at OpenSSL's speed (its AVX-512 IFMA
 * code) rather than BoringSSL's. The build compiles it into the jar under {@code META-INF/native/} when gcc and the
 * JDK's {@code jni.h} are there; at first use it is copied to a private temporary file and loaded, once per process.
 * When any of that fails, {@link #available()} is false, one log line says why, and RSA keys are signed by BoringSSL
 * as before.
 */
final class RsaShim {
    private static final Logger LOG = Logger.getLogger(RsaShim.class.getName());
    static final String RESOURCE = "/META-INF/native/libphalanx_rsa.so";

    /** TLS SignatureScheme code points the shim signs (RFC 8446 4.2.3). */
    static final int RSA_PKCS1_SHA256 = 0x0401;
    static final int RSA_PKCS1_SHA384 = 0x0501;
    static final int RSA_PKCS1_SHA512 = 0x0601;
    static final int RSA_PSS_RSAE_SHA256 = 0x0804;
    static final int RSA_PSS_RSAE_SHA384 = 0x0805;
    static final int RSA_PSS_RSAE_SHA512 = 0x0806;

    private static final String UNAVAILABLE = load();

    private RsaShim() {
    }

    /** Whether the shim and libcrypto.so.3 are loaded. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why the shim is not available, or null. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** {@code OpenSSL 3.0.17 1 Jul 2025}; only when {@link #available()}. */
    static String libraryVersion() {
        return version();
    }

    /** Whether {@link #sign} takes this TLS signature algorithm. */
    static boolean supports(int algorithm) {
        return switch (algorithm) {
            case RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512,
                 RSA_PSS_RSAE_SHA256, RSA_PSS_RSAE_SHA384, RSA_PSS_RSAE_SHA512 -> true;
            default -> false;
        };
    }

    private static String load() {
        String why;
        try {
            why = extractAndLoad();
        } catch (IOException | LinkageError | SecurityException e) {
            why = e.toString();
        }
        if (why != null) {
            LOG.info("TLS: the libcrypto shim for RSA signatures is not loaded, BoringSSL signs RSA handshakes: "
                    + why);
        }
        return why;
    }

    private static String extractAndLoad() throws IOException {
        if (!System.getProperty("os.name", "").startsWith("Linux")
                || !System.getProperty("os.arch", "").equals("amd64")) {
            return "built for Linux x86-64 only";
        }
        Path file;
        try (InputStream in = RsaShim.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "the jar has no " + RESOURCE + " (built without gcc or jni.h)";
            }
            file = Files.createTempFile("phalanx_rsa", ".so",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                // the mapping stays after the file is gone; nothing is left in the temp directory
                Files.deleteIfExists(file);
            }
        }
        return init();
    }

    /** Opens libcrypto.so.3; null when it is usable, else why not. */
    private static native String init();

    private static native String version();

    /**
     * A private key for {@link #sign}, from its PKCS#8 DER encoding; must be RSA. Throws
     * {@link IllegalArgumentException} when libcrypto cannot read it. Free it with {@link #freeKey}.
     */
    static native long loadKey(byte[] pkcs8);

    /**
     * Signs {@code input} (the message: it is hashed here with the algorithm's digest) with one of the algorithms of
     * {@link #supports}; throws {@link UnsupportedOperationException} for any other and
     * {@link java.security.SignatureException} when libcrypto fails.
     */
    static native byte[] sign(long key, int algorithm, byte[] input) throws java.security.SignatureException;

    static native void freeKey(long key);
}
