package dev.phalanx.cluster.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificate chains and private keys with the JDK alone (so {@code validate} checks them too) and says
 * what is wrong in words an operator can act on. Keys: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA
 * ({@code RSA PRIVATE KEY}) and SEC1 EC ({@code EC PRIVATE KEY}); encrypted keys are refused.
 */
public final class PemFiles {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
            0x01, 0x01};
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemFiles() {
    }

    /** A certificate and its chain, leaf first. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type.equals("CERTIFICATE")) {
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der)));
                }
            }
        } catch (CertificateException e) {
            throw new IOException("not a readable PEM certificate: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw new IOException("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /** The private key of a PEM file. */
    public static PrivateKey privateKey(Path file) throws IOException {
        for (Block b : blocks(file)) {
            switch (b.type) {
                case "PRIVATE KEY":
                    return pkcs8(b.der);
                case "RSA PRIVATE KEY":
                    return pkcs8(wrap(RSA_OID, new byte[]{0x05, 0x00}, b.der));
                case "EC PRIVATE KEY":
                    return pkcs8(wrap(EC_OID, sec1Curve(b.der), b.der));
                case "ENCRYPTED PRIVATE KEY":
                    throw new IOException("is an encrypted key; decrypt it (openssl pkey -in KEY -out KEY.plain)"
                            + " and protect the file with permissions instead");
                default:
                    // EC PARAMETERS and the like come before the key
            }
        }
        throw new IOException("holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    /** Whether {@code key} is the private half of {@code cert}'s public key (a signature made and checked). */
    public static boolean matches(PrivateKey key, X509Certificate cert) {
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        if (!cert.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            byte[] data = new byte[32];
            new SecureRandom().nextBytes(data);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(data);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(data);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Checks every TLS file of the node config: readable PEM, key matching its certificate, a usable client CA. */
    public static List<ConfigError> check(NodeConfig config) {
        List<ConfigError> errors = new ArrayList<>();
        for (NodeConfig.ListenerConfig l : config.listeners()) {
            if (l.tls() == null) {
                continue;
            }
            String base = "listeners[" + l.name() + "].tls.";
            for (int i = 0; i < l.tls().certificates().size(); i++) {
                NodeConfig.CertificateConfig c = l.tls().certificates().get(i);
                String p = base + "certificates[" + i + "].";
                X509Certificate leaf = null;
                try {
                    leaf = certificates(c.certFile()).get(0);
                } catch (IOException e) {
                    errors.add(new ConfigError(p + "certFile", c.certFile() + " " + e.getMessage()));
                }
                try {
                    PrivateKey key = privateKey(c.keyFile());
                    if (leaf != null && !matches(key, leaf)) {
                        errors.add(new ConfigError(p + "keyFile", c.keyFile() + " is not the key of " + c.certFile()));
                    }
                } catch (IOException e) {
                    errors.add(new ConfigError(p + "keyFile", c.keyFile() + " " + e.getMessage()));
                }
            }
            if (l.tls().clientCaFile() != null) {
                try {
                    certificates(l.tls().clientCaFile());
                } catch (IOException e) {
                    errors.add(new ConfigError(base + "clientCaFile", l.tls().clientCaFile() + " " + e.getMessage()));
                }
            }
        }
        return errors;
    }

    private static PrivateKey pkcs8(byte[] der) throws IOException {
        for (String alg : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException("holds a private key that is neither RSA nor EC (ECDSA)");
    }

    /** The named-curve OID inside a SEC1 {@code ECPrivateKey} ({@code [0] parameters}). */
    private static byte[] sec1Curve(byte[] der) throws IOException {
        int[] seq = header(der, 0); // SEQUENCE
        int i = seq[0];
        int end = seq[0] + seq[1];
        while (i < end) {
            int tag = der[i] & 0xff;
            int[] h = header(der, i);
            if (tag == 0xa0) {
                byte[] oid = new byte[h[1]];
                System.arraycopy(der, h[0], oid, 0, h[1]);
                return oid;
            }
            i = h[0] + h[1];
        }
        throw new IOException("holds an EC key without its curve; write it as PKCS#8 (openssl pkcs8 -topk8 -nocrypt)");
    }

    /** {content offset, content length} of the DER element at {@code at}. */
    private static int[] header(byte[] der, int at) throws IOException {
        if (at + 2 > der.length) {
            throw new IOException("holds a damaged key");
        }
        int len = der[at + 1] & 0xff;
        int off = at + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int k = 0; k < n; k++) {
                len = (len << 8) | (der[off++] & 0xff);
            }
        }
        if (off + len > der.length) {
            throw new IOException("holds a damaged key");
        }
        return new int[]{off, len};
    }

    /** PKCS#8 {@code PrivateKeyInfo} around a PKCS#1 or SEC1 key. */
    private static byte[] wrap(byte[] algOid, byte[] params, byte[] key) {
        ByteArrayOutputStream alg = new ByteArrayOutputStream();
        alg.writeBytes(algOid);
        alg.writeBytes(params);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[]{0x02, 0x01, 0x00});
        body.writeBytes(tlv(0x30, alg.toByteArray()));
        body.writeBytes(tlv(0x04, key));
        return tlv(0x30, body.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = content.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n & 0xff);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write((n >> 8) & 0xff);
            out.write(n & 0xff);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IOException("has a damaged PEM block (" + m.group(1) + ")");
            }
        }
        return out;
    }
}
