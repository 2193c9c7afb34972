package dev.phalanx.node.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A server key manager with one certificate chain and no private key, for contexts whose signatures a private key
 * method makes ({@link RsaSigner}). netty-tcnative hands BoringSSL the chain with the key of the key material; only
 * when that key is null does it install the context's private key method on the connection
 * ({@code SSL_set_chain_and_key(ssl, chain, NULL, &private_key_method)}), so the key must stay out of it. BoringSSL
 * takes the key type for choosing signature algorithms from the leaf's public key.
 */
final class KeylessKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "phalanx";
    private final X509Certificate[] chain;
    private final String keyType;

    /** @param keyType {@code RSA}: the key type Netty asks for ({@code chooseServerAlias}) */
    KeylessKeyManager(List<X509Certificate> chain, String keyType) {
        this.chain = chain.toArray(X509Certificate[]::new); // one array: Netty caches the native chain by identity
        this.keyType = keyType;
    }

    @Override
    public String chooseEngineServerAlias(String type, Principal[] issuers, SSLEngine engine) {
        return chooseServerAlias(type, issuers, null);
    }

    @Override
    public String chooseServerAlias(String type, Principal[] issuers, Socket socket) {
        return keyType.equals(type) ? ALIAS : null;
    }

    @Override
    public String[] getServerAliases(String type, Principal[] issuers) {
        return keyType.equals(type) ? new String[]{ALIAS} : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain : null;
    }

    /** Always null: the private key method signs. */
    @Override
    public PrivateKey getPrivateKey(String alias) {
        return null;
    }

    @Override
    public String[] getClientAliases(String type, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] types, Principal[] issuers, Socket socket) {
        return null;
    }
}
