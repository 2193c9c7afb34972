package dev.phalanx.node.tls;

import java.util.List;

/**
 * The cipher suites a listener offers: AEAD ciphers with forward secrecy only (ECDHE key exchange; AES-GCM or
 * ChaCha20-Poly1305), ECDSA before RSA, then 128-bit before 256-bit AES. TLS 1.3 suites are all AEAD with forward
 * secrecy; BoringSSL always enables all three.
 */
public final class CipherSuites {
    public static final List<String> MODERN = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private CipherSuites() {
    }
}
