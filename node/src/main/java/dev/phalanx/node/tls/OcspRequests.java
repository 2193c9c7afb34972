package dev.phalanx.node.tls;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * OCSP requests (RFC 6960 4.1): the certificate's {@link CertId} (SHA-1 of the issuer's name and public key, and the
 * serial, as RFC 5019 profiles it for responders that answer from a cache) and the DER of an {@code OCSPRequest}
 * asking for that one certificate, without a nonce (responders of public CAs ignore nonces; stapled responses are
 * shared by every client anyway). Also finds the responder's URL in the certificate's Authority Information Access.
 */
final class OcspRequests {
    static final String SHA1 = "1.3.14.3.2.26";
    static final String SHA256 = "2.16.840.1.101.3.4.2.1";
    static final String AIA_EXTENSION = "1.3.6.1.5.5.7.1.1";
    static final String AD_OCSP = "1.3.6.1.5.5.7.48.1";
    private static final int URI_TAG = 0x86; // GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String

    private OcspRequests() {
    }

    /** The identity of one certificate in OCSP: hashes of its issuer, and its serial number. */
    record CertId(String hashOid, byte[] issuerNameHash, byte[] issuerKeyHash, BigInteger serial) {
        boolean matches(CertId other) {
            return hashOid.equals(other.hashOid) && Arrays.equals(issuerNameHash, other.issuerNameHash)
                    && Arrays.equals(issuerKeyHash, other.issuerKeyHash) && serial.equals(other.serial);
        }

        /** The DER {@code CertID} SEQUENCE. */
        byte[] encoded() {
            return Der.sequence(Der.sequence(Der.oid(hashOid), Der.nullValue()), Der.octetString(issuerNameHash),
                    Der.octetString(issuerKeyHash), Der.integer(serial));
        }
    }

    /** The SHA-1 CertId of {@code leaf} issued by {@code issuer}. */
    static CertId certId(X509Certificate leaf, X509Certificate issuer) {
        return certId(SHA1, leaf.getSerialNumber(), issuer);
    }

    /** The CertId with another hash (a responder may answer with the hash it prefers). */
    static CertId certId(String hashOid, BigInteger serial, X509Certificate issuer) {
        MessageDigest md = digest(hashOid);
        byte[] nameHash = md.digest(issuer.getSubjectX500Principal().getEncoded());
        byte[] keyHash = md.digest(subjectPublicKey(issuer));
        return new CertId(hashOid, nameHash, keyHash, serial);
    }

    static MessageDigest digest(String hashOid) {
        String name = switch (hashOid) {
            case SHA1 -> "SHA-1";
            case SHA256 -> "SHA-256";
            case "2.16.840.1.101.3.4.2.2" -> "SHA-384";
            case "2.16.840.1.101.3.4.2.3" -> "SHA-512";
            default -> throw new Der.Malformed("CertID hash algorithm " + hashOid + " is not supported");
        };
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key bits of the issuer's SubjectPublicKeyInfo (what issuerKeyHash covers, without tag and length). */
    static byte[] subjectPublicKey(X509Certificate cert) {
        List<Der.Value> spki = Der.parse(cert.getPublicKey().getEncoded()).expect(Der.SEQUENCE, "SubjectPublicKeyInfo")
                .children();
        if (spki.size() != 2) {
            throw new Der.Malformed("SubjectPublicKeyInfo has " + spki.size() + " parts");
        }
        return spki.get(1).bitString();
    }

    /** {@code OCSPRequest ::= SEQUENCE { tbsRequest SEQUENCE { requestList SEQUENCE OF Request { reqCert } } } }. */
    static byte[] request(CertId id) {
        return Der.sequence(Der.sequence(Der.sequence(Der.sequence(id.encoded()))));
    }

    /**
     * The first {@code http://} OCSP responder URL in the certificate's Authority Information Access, or null when it
     * names none. An {@code https://} or other URL only is reported as {@code "!" + url} so the caller can say why.
     */
    static String responderUrl(X509Certificate cert) {
        byte[] ext = cert.getExtensionValue(AIA_EXTENSION);
        if (ext == null) {
            return null;
        }
        String other = null;
        Der.Value wrapped = Der.parse(ext).expect(Der.OCTET_STRING, "AuthorityInfoAccess extension");
        for (Der.Value ad : Der.parse(wrapped.content()).expect(Der.SEQUENCE, "AuthorityInfoAccess").children()) {
            List<Der.Value> parts = ad.expect(Der.SEQUENCE, "AccessDescription").children();
            if (parts.size() != 2 || !AD_OCSP.equals(parts.get(0).oid()) || parts.get(1).tag() != URI_TAG) {
                continue;
            }
            String url = new String(parts.get(1).content(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            if (url.toLowerCase(Locale.ROOT).startsWith("http://")) {
                return url;
            }
            if (other == null) {
                other = "!" + url;
            }
        }
        return other;
    }
}
