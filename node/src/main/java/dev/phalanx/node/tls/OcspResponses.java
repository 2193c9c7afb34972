package dev.phalanx.node.tls;

import java.io.ByteArrayInputStream;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Checks an OCSP response (RFC 6960 4.2) before it is stapled: status {@code successful}, a BasicOCSPResponse with a
 * SingleResponse for exactly our certificate, status {@code good}, {@code thisUpdate} not in the future (beyond a
 * small clock skew), {@code nextUpdate} not passed (without one: {@code thisUpdate} less than a day old), and a
 * signature by the issuer itself or by a responder certificate that the issuer signed for OCSP signing
 * (id-kp-OCSPSigning) and that is valid now.
 */
final class OcspResponses {
    static final String BASIC = "1.3.6.1.5.5.7.48.1.1";
    static final String OCSP_SIGNING = "1.3.6.1.5.5.7.3.9";
    /** How far a responder's clock may run ahead of ours. */
    static final Duration SKEW = Duration.ofMinutes(5);

    /** The outcome, with {@link Result} for the fetch counter and a reason for the log. */
    enum Result {
        OK, HTTP_ERROR, BAD_RESPONSE, REVOKED, UNKNOWN, ERROR;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A response checked good; {@code nextUpdate} null when the responder gave none. */
    record Good(byte[] der, Instant thisUpdate, Instant nextUpdate) {
    }

    /** Why a response was refused. */
    static final class Refused extends Exception {
        private final Result result;

        Refused(Result result, String reason) {
            super(reason);
            this.result = result;
        }

        Result result() {
            return result;
        }
    }

    private OcspResponses() {
    }

    /**
     * Checks {@code der} as the answer for {@code id} (the certificate issued by {@code issuer}) at time {@code now}.
     *
     * @throws Refused with the reason (and {@link Result#REVOKED} or {@link Result#UNKNOWN} for those statuses)
     */
    static Good check(byte[] der, OcspRequests.CertId id, X509Certificate issuer, Instant now) throws Refused {
        try {
            return check0(der, id, issuer, now);
        } catch (Der.Malformed | IndexOutOfBoundsException e) {
            throw new Refused(Result.BAD_RESPONSE, "malformed response: " + e.getMessage());
        }
    }

    private static Good check0(byte[] der, OcspRequests.CertId id, X509Certificate issuer, Instant now)
            throws Refused {
        List<Der.Value> top = Der.parse(der).expect(Der.SEQUENCE, "OCSPResponse").children();
        int status = top.get(0).expect(Der.ENUMERATED, "responseStatus").integer().intValue();
        if (status != 0) {
            throw new Refused(Result.BAD_RESPONSE, "responseStatus " + statusName(status));
        }
        if (top.size() < 2 || top.get(1).tag() != 0xa0) {
            throw new Refused(Result.BAD_RESPONSE, "successful response without responseBytes");
        }
        List<Der.Value> responseBytes = top.get(1).inner().expect(Der.SEQUENCE, "ResponseBytes").children();
        if (!BASIC.equals(responseBytes.get(0).oid())) {
            throw new Refused(Result.BAD_RESPONSE, "response type " + responseBytes.get(0).oid() + " is not basic");
        }
        byte[] basicDer = responseBytes.get(1).expect(Der.OCTET_STRING, "response").content();
        List<Der.Value> basic = Der.parse(basicDer).expect(Der.SEQUENCE, "BasicOCSPResponse").children();
        Der.Value tbs = basic.get(0).expect(Der.SEQUENCE, "tbsResponseData");
        Der.Value sigAlg = basic.get(1).expect(Der.SEQUENCE, "signatureAlgorithm");
        byte[] signature = basic.get(2).bitString();
        List<X509Certificate> certs = basic.size() > 3 && basic.get(3).tag() == 0xa0
                ? certificates(basic.get(3).inner()) : List.of();

        Der.Value single = singleResponseFor(tbs, id, issuer);
        List<Der.Value> s = single.children();
        Der.Value certStatus = s.get(1);
        Instant thisUpdate = s.get(2).generalizedTime();
        Instant nextUpdate = null;
        for (int i = 3; i < s.size(); i++) {
            if (s.get(i).tag() == 0xa0) {
                nextUpdate = s.get(i).inner().generalizedTime();
            }
        }
        verifySignature(tbs.encoded(), sigAlg, signature, certs, issuer, now);
        if (certStatus.tag() == 0xa1) {
            throw new Refused(Result.REVOKED, "the responder says the certificate is revoked");
        }
        if (certStatus.tag() != 0x80) {
            throw new Refused(Result.UNKNOWN, "the responder does not know the certificate (status unknown)");
        }
        if (thisUpdate.isAfter(now.plus(SKEW))) {
            throw new Refused(Result.BAD_RESPONSE, "thisUpdate " + thisUpdate + " is in the future");
        }
        if (nextUpdate != null && !nextUpdate.isAfter(now)) {
            throw new Refused(Result.BAD_RESPONSE, "nextUpdate " + nextUpdate + " has passed");
        }
        if (nextUpdate == null && !thisUpdate.plus(OcspStaple.KEEP_WITHOUT_NEXT_UPDATE).isAfter(now)) {
            throw new Refused(Result.BAD_RESPONSE, "no nextUpdate and thisUpdate " + thisUpdate + " is older than "
                    + OcspStaple.KEEP_WITHOUT_NEXT_UPDATE.toHours() + " hours");
        }
        if (nextUpdate != null && nextUpdate.isBefore(thisUpdate)) {
            throw new Refused(Result.BAD_RESPONSE, "nextUpdate is before thisUpdate");
        }
        return new Good(der.clone(), thisUpdate, nextUpdate);
    }

    private static Der.Value singleResponseFor(Der.Value tbs, OcspRequests.CertId id, X509Certificate issuer)
            throws Refused {
        List<Der.Value> fields = tbs.children();
        int i = 0;
        if (fields.get(i).tag() == 0xa0) {
            i++; // version, v1
        }
        i++; // responderID: who signed is settled by the signature check below
        i++; // producedAt
        List<Der.Value> responses = fields.get(i).expect(Der.SEQUENCE, "responses").children();
        for (Der.Value r : responses) {
            List<Der.Value> parts = r.expect(Der.SEQUENCE, "SingleResponse").children();
            List<Der.Value> cid = parts.get(0).expect(Der.SEQUENCE, "CertID").children();
            String hash = cid.get(0).children().get(0).oid();
            OcspRequests.CertId theirs = new OcspRequests.CertId(hash,
                    cid.get(1).expect(Der.OCTET_STRING, "issuerNameHash").content(),
                    cid.get(2).expect(Der.OCTET_STRING, "issuerKeyHash").content(),
                    cid.get(3).expect(Der.INTEGER, "serialNumber").integer());
            OcspRequests.CertId ours = id;
            if (!hash.equals(id.hashOid())) {
                try {
                    ours = OcspRequests.certId(hash, id.serial(), issuer); // the responder chose another hash
                } catch (Der.Malformed e) {
                    continue; // a hash we do not support: not ours
                }
            }
            if (ours != null && ours.matches(theirs)) {
                return r;
            }
        }
        throw new Refused(Result.BAD_RESPONSE, "no SingleResponse for the certificate (serial "
                + id.serial().toString(16) + ") among " + responses.size());
    }

    private static List<X509Certificate> certificates(Der.Value seq) throws Refused {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (Der.Value c : seq.expect(Der.SEQUENCE, "certs").children()) {
                out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(c.encoded())));
            }
        } catch (GeneralSecurityException e) {
            throw new Refused(Result.BAD_RESPONSE, "unreadable responder certificate: " + e.getMessage());
        }
        return out;
    }

    /** The issuer's key signed the response, or a delegated responder certificate the issuer signed did. */
    private static void verifySignature(byte[] tbs, Der.Value sigAlg, byte[] signature, List<X509Certificate> certs,
                                        X509Certificate issuer, Instant now) throws Refused {
        if (verifies(tbs, sigAlg, signature, issuer.getPublicKey())) {
            return;
        }
        String why = "the signature is not the issuer's";
        for (X509Certificate c : certs) {
            if (!verifies(tbs, sigAlg, signature, c.getPublicKey())) {
                continue;
            }
            why = delegateProblem(c, issuer, now);
            if (why == null) {
                return;
            }
        }
        throw new Refused(Result.BAD_RESPONSE, why + (certs.isEmpty() ? " (no responder certificate included)" : ""));
    }

    /** Null when {@code c} may sign OCSP responses for {@code issuer}'s certificates, else why not. */
    private static String delegateProblem(X509Certificate c, X509Certificate issuer, Instant now) {
        try {
            if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                return "the responder certificate " + c.getSubjectX500Principal() + " is not issued by the issuer";
            }
            c.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            return "the responder certificate " + c.getSubjectX500Principal() + " is not signed by the issuer";
        }
        try {
            List<String> eku = c.getExtendedKeyUsage();
            if (eku == null || !eku.contains(OCSP_SIGNING)) {
                return "the responder certificate " + c.getSubjectX500Principal() + " lacks the OCSPSigning EKU";
            }
            c.checkValidity(Date.from(now)); // throws when expired
        } catch (java.security.cert.CertificateNotYetValidException e) {
            if (c.getNotBefore().toInstant().isAfter(now.plus(SKEW))) {
                return "the responder certificate " + c.getSubjectX500Principal() + " is not valid yet";
            }
        } catch (GeneralSecurityException e) {
            return "the responder certificate " + c.getSubjectX500Principal() + " is not valid now: "
                    + e.getMessage();
        }
        return null;
    }

    private static boolean verifies(byte[] tbs, Der.Value sigAlg, byte[] signature, PublicKey key) {
        try {
            Signature s = signature(sigAlg);
            s.initVerify(key);
            s.update(tbs);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // wrong key type for the algorithm, bad encoding: not a valid signature by this key
        }
    }

    /** The JDK signature for an AlgorithmIdentifier (RSA PKCS#1, RSA-PSS, ECDSA, Ed25519/Ed448). */
    static Signature signature(Der.Value sigAlg) throws GeneralSecurityException {
        List<Der.Value> parts = sigAlg.children();
        String oid = parts.get(0).oid();
        String name = switch (oid) {
            case "1.2.840.113549.1.1.5" -> "SHA1withRSA";
            case "1.2.840.113549.1.1.11" -> "SHA256withRSA";
            case "1.2.840.113549.1.1.12" -> "SHA384withRSA";
            case "1.2.840.113549.1.1.13" -> "SHA512withRSA";
            case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
            case "1.2.840.10045.4.1" -> "SHA1withECDSA";
            case "1.2.840.10045.4.3.2" -> "SHA256withECDSA";
            case "1.2.840.10045.4.3.3" -> "SHA384withECDSA";
            case "1.2.840.10045.4.3.4" -> "SHA512withECDSA";
            case "1.3.101.112" -> "Ed25519";
            case "1.3.101.113" -> "Ed448";
            default -> throw new GeneralSecurityException("signature algorithm " + oid + " is not supported");
        };
        Signature s = Signature.getInstance(name);
        if (name.equals("RSASSA-PSS")) {
            if (parts.size() < 2) {
                throw new GeneralSecurityException("RSASSA-PSS without parameters");
            }
            AlgorithmParameters p = AlgorithmParameters.getInstance("RSASSA-PSS");
            try {
                p.init(parts.get(1).encoded());
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException("bad RSASSA-PSS parameters: " + e.getMessage());
            }
            s.setParameter(p.getParameterSpec(java.security.spec.PSSParameterSpec.class));
        }
        return s;
    }

    private static String statusName(int status) {
        return switch (status) {
            case 1 -> "malformedRequest";
            case 2 -> "internalError";
            case 3 -> "tryLater";
            case 5 -> "sigRequired";
            case 6 -> "unauthorized";
            default -> String.valueOf(status);
        };
    }
}
