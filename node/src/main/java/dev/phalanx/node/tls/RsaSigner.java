package dev.phalanx.node.tls;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.ssl.OpenSslPrivateKeyMethod;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import javax.net.ssl.SSLEngine;

/**
 * Signs the TLS handshakes of one RSA certificate in place of BoringSSL (Netty calls it on the event loop, where
 * BoringSSL would have signed): with the system's libcrypto through {@link NativeRsaKey}, and with the JDK for what
 * the shim does not take: {@code rsa_pkcs1_sha1} (old TLS 1.2 clients), and the few handshakes that still come after
 * the certificate was replaced and its native key closed. Each signature counts in
 * {@code phalanx_tls_rsa_signatures_total{signer=libcrypto|jdk}}.
 */
final class RsaSigner implements OpenSslPrivateKeyMethod, AutoCloseable {
    static final int RSA_PKCS1_SHA1 = 0x0201;

    private final NativeRsaKey key;
    private final PrivateKey jdkKey;
    private final Counter byLibcrypto;
    private final Counter byJdk;

    RsaSigner(PrivateKey key, Counter byLibcrypto, Counter byJdk) {
        this.key = NativeRsaKey.load(key);
        this.jdkKey = key;
        this.byLibcrypto = byLibcrypto;
        this.byJdk = byJdk;
    }

    @Override
    public byte[] sign(SSLEngine engine, int signatureAlgorithm, byte[] input) throws Exception {
        if (RsaShim.supports(signatureAlgorithm)) {
            byte[] signature = key.sign(signatureAlgorithm, input);
            if (signature != null) {
                byLibcrypto.increment();
                return signature;
            }
        }
        byte[] signature = jdkSign(jdkKey, signatureAlgorithm, input);
        byJdk.increment();
        return signature;
    }

    /** Never called: the node offers no RSA key exchange (TLS 1.2 suites are ECDHE only). */
    @Override
    public byte[] decrypt(SSLEngine engine, byte[] input) {
        throw new UnsupportedOperationException("RSA key exchange is not enabled");
    }

    /** The native key is freed once no signature with it runs; later handshakes are signed by the JDK. */
    @Override
    public void close() {
        key.close();
    }

    boolean closed() {
        return key.freed();
    }

    /** The JDK's signature of {@code input} for a TLS RSA signature algorithm (RFC 8446 4.2.3). */
    static byte[] jdkSign(PrivateKey key, int algorithm, byte[] input) throws GeneralSecurityException {
        Signature s = switch (algorithm) {
            case RsaShim.RSA_PSS_RSAE_SHA256 -> pss("SHA-256", MGF1ParameterSpec.SHA256, 32);
            case RsaShim.RSA_PSS_RSAE_SHA384 -> pss("SHA-384", MGF1ParameterSpec.SHA384, 48);
            case RsaShim.RSA_PSS_RSAE_SHA512 -> pss("SHA-512", MGF1ParameterSpec.SHA512, 64);
            case RsaShim.RSA_PKCS1_SHA256 -> Signature.getInstance("SHA256withRSA");
            case RsaShim.RSA_PKCS1_SHA384 -> Signature.getInstance("SHA384withRSA");
            case RsaShim.RSA_PKCS1_SHA512 -> Signature.getInstance("SHA512withRSA");
            case RSA_PKCS1_SHA1 -> Signature.getInstance("SHA1withRSA");
            default -> throw new NoSuchAlgorithmException(String.format(
                    "no RSA signature algorithm 0x%04x", algorithm));
        };
        s.initSign(key);
        s.update(input);
        return s.sign();
    }

    private static Signature pss(String digest, MGF1ParameterSpec mgf, int saltLength)
            throws GeneralSecurityException {
        Signature s = Signature.getInstance("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec(digest, "MGF1", mgf, saltLength, PSSParameterSpec.TRAILER_FIELD_BC));
        return s;
    }
}
