package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OCSP request encoder and response checker against the real {@code openssl ocsp}: our request bytes equal
 * openssl's own, and responses openssl signs (good, revoked, unknown, by the CA or a delegated signer, or by signers
 * that may not sign) are accepted or refused for the right reason.
 */
class OcspTest {
    static OcspPki pki;

    @BeforeAll
    static void pki() {
        pki = new OcspPki();
        pki.leaf("good", "good.test", "http://127.0.0.1:9/ocsp");
        pki.leaf("revoked", "revoked.test", "http://127.0.0.1:9");
        pki.leaf("unlisted", "unlisted.test", "http://127.0.0.1:9");
        pki.leaf("plain", "plain.test", null);
        pki.index("good", false);
        pki.index("revoked", true);
        // a CA certificate used as a signer without the OCSP EKU
        pki.issue("noeku", "/CN=Not An OCSP Signer", "basicConstraints=critical,CA:FALSE\n"
                + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
    }

    private static OcspRequests.CertId id(String name) {
        return OcspRequests.certId(pki.cert(name), pki.ca());
    }

    @Test
    void requestIsByteForByteWhatOpensslSends() throws Exception {
        Path theirs = pki.dir().resolve("openssl-req.der");
        pki.pki.run("openssl", "ocsp", "-issuer", "ca.crt", "-cert", "good.crt", "-no_nonce", "-reqout",
                theirs.toString());
        byte[] ours = OcspRequests.request(id("good"));
        assertEquals(HexFormat.of().formatHex(Files.readAllBytes(theirs)), HexFormat.of().formatHex(ours));
        String text = pki.pki.run("openssl", "ocsp", "-reqin", theirs.toString(), "-req_text");
        assertTrue(text.contains("Serial Number: " + OcspPki.serialHex(pki.cert("good").getSerialNumber())), text);
    }

    @Test
    void responderUrlComesFromAuthorityInformationAccess() {
        assertEquals("http://127.0.0.1:9/ocsp", OcspRequests.responderUrl(pki.cert("good")));
        assertNull(OcspRequests.responderUrl(pki.cert("plain")));
        assertNull(OcspRequests.responderUrl(pki.ca()));
    }

    @Test
    void goodResponseFromDelegatedSignerIsAccepted() throws Exception {
        byte[] der = pki.respond(OcspRequests.request(id("good")), "ocsp", "-ndays", "1");
        Instant now = Instant.now();
        OcspResponses.Good good = OcspResponses.check(der, id("good"), pki.ca(), now);
        assertArrayEquals(der, good.der());
        assertTrue(Duration.between(good.thisUpdate(), now).abs().toMinutes() < 5, good.thisUpdate().toString());
        assertEquals(Duration.ofDays(1), Duration.between(good.thisUpdate(), good.nextUpdate()));
        System.out.println("FIGURE ocsp response with signer certificate: " + der.length + " bytes");
    }

    @Test
    void goodResponseSignedByTheIssuerItselfIsAccepted() throws Exception {
        byte[] der = pki.respond(OcspRequests.request(id("good")), "ca", "-resp_no_certs", "-nmin", "10");
        OcspResponses.Good good = OcspResponses.check(der, id("good"), pki.ca(), Instant.now());
        assertEquals(Duration.ofMinutes(10), Duration.between(good.thisUpdate(), good.nextUpdate()));
        System.out.println("FIGURE ocsp response signed by the CA (RSA 2048), no certs: " + der.length + " bytes");
    }

    @Test
    void responseWithoutNextUpdateIsAccepted() throws Exception {
        byte[] der = pki.respond(OcspRequests.request(id("good")), "ocsp");
        OcspResponses.Good good = OcspResponses.check(der, id("good"), pki.ca(), Instant.now());
        assertNull(good.nextUpdate());
        OcspResponses.Refused old = assertThrows(OcspResponses.Refused.class, () -> OcspResponses.check(der,
                id("good"), pki.ca(), good.thisUpdate().plus(Duration.ofHours(25))));
        assertTrue(old.getMessage().contains("older than 24 hours"), old.getMessage());
    }

    @Test
    void revokedAndUnknownAreRefused() throws Exception {
        byte[] revoked = pki.respond(OcspRequests.request(id("revoked")), "ocsp", "-ndays", "1");
        assertEquals(OcspResponses.Result.REVOKED, refused(revoked, "revoked").result());
        byte[] unknown = pki.respond(OcspRequests.request(id("unlisted")), "ocsp", "-ndays", "1");
        assertEquals(OcspResponses.Result.UNKNOWN, refused(unknown, "unlisted").result());
    }

    @Test
    void answerForAnotherCertificateIsRefused() throws Exception {
        byte[] der = pki.respond(OcspRequests.request(id("good")), "ocsp", "-ndays", "1");
        assertRefused(der, "revoked", OcspResponses.Result.BAD_RESPONSE, "no SingleResponse");
    }

    @Test
    void signerWithoutOcspSigningUsageIsRefused() throws Exception {
        byte[] der = pki.respond(OcspRequests.request(id("good")), "noeku", "-ndays", "1");
        assertRefused(der, "good", OcspResponses.Result.BAD_RESPONSE, "lacks the OCSPSigning EKU");
    }

    @Test
    void signerFromAnotherCaIsRefused() throws Exception {
        OcspPki other = new OcspPki();
        other.pki.run("cp", pki.dir().resolve("index.txt").toString(), "index.txt");
        // the other PKI's responder answers for our certificate: right CertID, wrong signer
        byte[] der = other.respond(OcspRequests.request(id("good")), "ocsp", "-ndays", "1");
        OcspResponses.Refused r = refused(der, "good");
        assertEquals(OcspResponses.Result.BAD_RESPONSE, r.result());
    }

    @Test
    void tamperedResponseIsRefused() throws Exception {
        byte[] der = pki.respond(OcspRequests.request(id("good")), "ocsp", "-ndays", "1");
        byte[] bad = der.clone();
        bad[bad.length - 10] ^= 1; // inside the responder certificate at the end, or the signature
        assertEquals(OcspResponses.Result.BAD_RESPONSE, refused(bad, "good").result());
        byte[] truncated = java.util.Arrays.copyOf(der, der.length - 1);
        OcspResponses.Refused r = refused(truncated, "good");
        assertTrue(r.getMessage().startsWith("malformed response"), r.getMessage());
    }

    @Test
    void staleAndFutureResponsesAreRefused() throws Exception {
        // signed by the CA itself: the delegated signer's own validity would not let "now" move back 6 minutes
        byte[] der = pki.respond(OcspRequests.request(id("good")), "ca", "-nmin", "10");
        OcspResponses.Good good = OcspResponses.check(der, id("good"), pki.ca(), Instant.now());
        OcspResponses.Refused stale = assertThrows(OcspResponses.Refused.class, () -> OcspResponses.check(der,
                id("good"), pki.ca(), good.nextUpdate().plusSeconds(1)));
        assertTrue(stale.getMessage().contains("has passed"), stale.getMessage());
        OcspResponses.Refused future = assertThrows(OcspResponses.Refused.class, () -> OcspResponses.check(der,
                id("good"), pki.ca(), good.thisUpdate().minus(Duration.ofMinutes(6))));
        assertTrue(future.getMessage().contains("in the future"), future.getMessage());
        // within the allowed skew it is fine
        assertNotNull(OcspResponses.check(der, id("good"), pki.ca(), good.thisUpdate().minus(Duration.ofMinutes(4))));
    }

    @Test
    void unsuccessfulStatusIsRefused() {
        byte[] tryLater = {0x30, 0x03, 0x0a, 0x01, 0x03};
        OcspResponses.Refused r = assertThrows(OcspResponses.Refused.class,
                () -> OcspResponses.check(tryLater, id("good"), pki.ca(), Instant.now()));
        assertEquals("responseStatus tryLater", r.getMessage());
        assertEquals(OcspResponses.Result.BAD_RESPONSE, refused(new byte[]{0x30}, "good").result());
        assertEquals(OcspResponses.Result.BAD_RESPONSE, refused(new byte[0], "good").result());
        assertEquals(OcspResponses.Result.BAD_RESPONSE, refused("<html>".getBytes(), "good").result());
    }

    @Test
    void derWritesAndReadsBackLongLengthsAndObjectIdentifiers() {
        byte[] big = new byte[300];
        big[299] = 7;
        byte[] tlv = Der.octetString(big);
        assertEquals(0x82, tlv[1] & 0xff);
        Der.Value v = Der.parse(tlv);
        assertArrayEquals(big, v.content());
        assertEquals("1.3.6.1.5.5.7.48.1.1", Der.parse(Der.oid("1.3.6.1.5.5.7.48.1.1")).oid());
        assertEquals("2.16.840.1.101.3.4.2.1", Der.parse(Der.oid("2.16.840.1.101.3.4.2.1")).oid());
        assertEquals(new BigInteger("-129"), Der.parse(Der.integer(BigInteger.valueOf(-129))).integer());
        assertThrows(Der.Malformed.class, () -> Der.parse(new byte[]{0x30, 0x05, 0x04, 0x01}));
        assertThrows(Der.Malformed.class, () -> Der.parse(new byte[]{0x30, 0x00, 0x00}));
        assertThrows(Der.Malformed.class, () -> Der.parse(new byte[]{0x04, (byte) 0x85, 1, 0, 0, 0, 0}));
    }

    @Test
    void refreshAtMidpointAtLeastHourlyAndRetryWithBackoff() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        long now = t.plusSeconds(10).toEpochMilli();
        // a week-long response: refreshed hourly; a 20-minute one: at its midpoint
        assertEquals(3_600_000, OcspStapler.refreshDelayMillis(current(t, t.plus(Duration.ofDays(7))), now));
        assertEquals(590_000, OcspStapler.refreshDelayMillis(current(t, t.plus(Duration.ofMinutes(20))), now));
        assertEquals(3_600_000, OcspStapler.refreshDelayMillis(current(t, null), now));
        // midpoint already passed: soon, but not in a loop
        assertEquals(5_000, OcspStapler.refreshDelayMillis(current(t, t.plusSeconds(10)), now));
        assertEquals(60_000, OcspStapler.retryDelayMillis(1));
        assertEquals(120_000, OcspStapler.retryDelayMillis(2));
        assertEquals(1_920_000, OcspStapler.retryDelayMillis(6));
        assertEquals(3_600_000, OcspStapler.retryDelayMillis(7));
        assertEquals(3_600_000, OcspStapler.retryDelayMillis(1000));
    }

    private static OcspStaple.Current current(Instant thisUpdate, Instant nextUpdate) {
        return new OcspStaple.Current(new byte[0], 0, thisUpdate, nextUpdate);
    }

    /** The response is refused for {@code name} with {@code result} and a reason that says {@code why}. */
    private static void assertRefused(byte[] der, String name, OcspResponses.Result result, String why) {
        OcspResponses.Refused r = refused(der, name);
        assertEquals(result, r.result());
        assertTrue(r.getMessage().contains(why), r.getMessage());
    }

    private static OcspResponses.Refused refused(byte[] der, String name) {
        return assertThrows(OcspResponses.Refused.class,
                () -> OcspResponses.check(der, id(name), pki.ca(), Instant.now()));
    }
}
