package dev.phalanx.node.tls;

import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.model.PemFiles;
import java.io.IOException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * One configured certificate as read from disk: chain (leaf first), private key, the DNS names it serves (its
 * {@code subjectAltName} DNS entries, lower-cased; the subject CN only when it has none) and its expiry.
 *
 * @param path the config path ({@code listeners[web].tls.certificates[0]}) for error messages
 */
record LoadedCertificate(String path, NodeConfig.CertificateConfig files, List<X509Certificate> chain,
                         PrivateKey key, List<String> names, Instant notAfter) {

    /** Reads and checks one certificate; the exception's message is {@code path.field: problem}. */
    static LoadedCertificate load(String path, NodeConfig.CertificateConfig files) {
        List<X509Certificate> chain;
        try {
            chain = PemFiles.certificates(files.certFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ".certFile: " + files.certFile() + " " + e.getMessage());
        }
        PrivateKey key;
        try {
            key = PemFiles.privateKey(files.keyFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ".keyFile: " + files.keyFile() + " " + e.getMessage());
        }
        if (!PemFiles.matches(key, chain.get(0))) {
            throw new IllegalArgumentException(path + ".keyFile: " + files.keyFile() + " is not the key of "
                    + files.certFile());
        }
        List<String> names = names(chain.get(0));
        if (names.isEmpty()) {
            throw new IllegalArgumentException(path + ".certFile: " + files.certFile()
                    + " names no host (no DNS subjectAltName and no CN)");
        }
        return new LoadedCertificate(path, files, List.copyOf(chain), key, names,
                chain.get(0).getNotAfter().toInstant());
    }

    /** {@code RSA} or {@code EC}. */
    String keyType() {
        return key.getAlgorithm();
    }

    /** The first name, for metrics and logs. */
    String primaryName() {
        return names.get(0);
    }

    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String dns) {
                        String n = dns.toLowerCase(Locale.ROOT);
                        if (!out.contains(n)) {
                            out.add(n);
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // fall back to the CN below
        }
        if (out.isEmpty()) {
            try {
                for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        out.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
                    }
                }
            } catch (InvalidNameException e) {
                // no usable name
            }
        }
        return out;
    }
}
