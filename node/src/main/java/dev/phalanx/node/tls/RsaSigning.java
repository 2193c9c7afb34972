package dev.phalanx.node.tls;

import dev.phalanx.node.metrics.Meters;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.ssl.OpenSslPrivateKeyMethod;
import io.netty.handler.ssl.SslProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * Who signs the handshakes of one listener's RSA certificates ({@code listeners[].tls.rsaSigner}), and the
 * lifetime of their native keys.
 *
 * <p>With the OpenSSL engine and the shim loaded ({@link RsaShim}), each RSA certificate gets an {@link RsaSigner}
 * set as its context's private key method; ECDSA certificates, the JDK engine and {@code rsaSigner: boringssl} keep
 * BoringSSL's (or the JDK's) own signing. Signers made while building a certificate table are pending
 * until the table is published ({@link #commit}: those of the previous table are closed then) or given up
 * ({@link #discard}). Closing a signer never frees a key a handshake is signing with (see {@link NativeRsaKey}):
 * a connection that picked the old context just before the swap still completes, signed by the JDK if it signs
 * after the close. Called only from the listener's synchronized start, reload and close, never on an event loop.
 */
final class RsaSigning implements AutoCloseable {
    /** OpenSSL engine and not {@code boringssl}: the shim is loaded (once per process) at the first RSA key. */
    private final boolean wanted;
    private final SslProvider provider;
    private final Counter byLibcrypto;
    private final Counter byJdk;
    private List<RsaSigner> current = List.of();
    private final List<RsaSigner> pending = new ArrayList<>();

    /**
     * @param path     {@code listeners[web].tls.rsaSigner}, for the error when {@code libcrypto} is required but
     *                 cannot be had
     * @param mode     {@code auto}, {@code libcrypto} or {@code boringssl}
     */
    RsaSigning(String path, String mode, SslProvider provider, Meters meters) {
        boolean wanted = !"boringssl".equals(mode) && provider == SslProvider.OPENSSL;
        if ("libcrypto".equals(mode) && !(wanted && RsaShim.available())) {
            throw new IllegalArgumentException(path + ": libcrypto cannot be used: " + (provider != SslProvider.OPENSSL
                    ? "the OpenSSL engine is not available" : RsaShim.unavailableReason()));
        }
        this.wanted = wanted;
        this.provider = provider;
        this.byLibcrypto = meters.tlsRsaSignatures("libcrypto");
        this.byJdk = meters.tlsRsaSignatures("jdk");
    }

    /** Whether RSA certificates of this listener are signed through the shim. */
    boolean enabled() {
        return wanted && RsaShim.available();
    }

    /** The private key method for a certificate's context, or null to let the engine sign. */
    OpenSslPrivateKeyMethod methodFor(LoadedCertificate cert) {
        if (!"RSA".equals(cert.keyType()) || !enabled()) {
            return null;
        }
        RsaSigner s = new RsaSigner(cert.key(), byLibcrypto, byJdk);
        pending.add(s);
        return s;
    }

    /** The pending signers are now in use; the previous ones are closed. */
    void commit() {
        List<RsaSigner> previous = current;
        current = List.copyOf(pending);
        pending.clear();
        previous.forEach(RsaSigner::close);
    }

    /** The pending signers will not be used (their table was not published): closed. */
    void discard() {
        pending.forEach(RsaSigner::close);
        pending.clear();
    }

    @Override
    public void close() {
        discard();
        current.forEach(RsaSigner::close);
        current = List.of();
    }

    /** For the log: who signs this listener's RSA handshakes. */
    String signer() {
        if (enabled()) {
            return RsaShim.libraryVersion() + " (libcrypto.so.3, through the node's shim)";
        }
        if (provider != SslProvider.OPENSSL) {
            return "the JDK engine";
        }
        return "BoringSSL (" + (RsaShim.available() ? "rsaSigner: boringssl"
                : "the libcrypto shim is not loaded: " + RsaShim.unavailableReason()) + ")";
    }
}
