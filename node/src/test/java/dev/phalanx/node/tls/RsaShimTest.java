package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.metrics.Meters;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The libcrypto shim's signatures against the JDK's verifiers, for every TLS RSA algorithm it takes; refusals; the
 * native key's lifetime guard. The shim must be in the build (gcc, jni.h: see .ci/test-all.sh): without it the
 * first test fails and says why.
 */
class RsaShimTest {
    /** TLS algorithm to the JDK verifier that checks it (PSS: salt = digest length, MGF1 with the same digest). */
    private static final Map<Integer, String> ALGORITHMS = Map.of(
            RsaShim.RSA_PSS_RSAE_SHA256, "PSS SHA-256", RsaShim.RSA_PSS_RSAE_SHA384, "PSS SHA-384",
            RsaShim.RSA_PSS_RSAE_SHA512, "PSS SHA-512", RsaShim.RSA_PKCS1_SHA256, "SHA256withRSA",
            RsaShim.RSA_PKCS1_SHA384, "SHA384withRSA", RsaShim.RSA_PKCS1_SHA512, "SHA512withRSA");
    private static KeyPair rsa;
    /** A TLS 1.3 CertificateVerify input: 64 spaces, the context string, a 0 byte and a transcript hash. */
    private static final byte[] INPUT = (" ".repeat(64) + "TLS 1.3, server CertificateVerify\0"
            + "0123456789abcdef0123456789abcdef").getBytes(StandardCharsets.ISO_8859_1);

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
    }

    static boolean verifies(PublicKey key, int algorithm, byte[] input, byte[] signature) throws Exception {
        String how = ALGORITHMS.get(algorithm);
        Signature v;
        if (how.startsWith("PSS ")) {
            String digest = how.substring(4);
            v = Signature.getInstance("RSASSA-PSS");
            v.setParameter(new PSSParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest),
                    Integer.parseInt(digest.substring(4)) / 8, PSSParameterSpec.TRAILER_FIELD_BC));
        } else {
            v = Signature.getInstance(how);
        }
        v.initVerify(key);
        v.update(input);
        return v.verify(signature);
    }

    @Test
    void shimIsBuiltAndLoadsTheSystemLibcrypto() {
        assertTrue(RsaShim.available(), "shim not available: " + RsaShim.unavailableReason());
        assertTrue(RsaShim.libraryVersion().startsWith("OpenSSL 3."), RsaShim.libraryVersion());
    }

    @Test
    void everySupportedAlgorithmVerifiesWithTheJdk() throws Exception {
        try (NativeRsaKey key = NativeRsaKey.load(rsa.getPrivate())) {
            for (int algorithm : ALGORITHMS.keySet()) {
                assertTrue(RsaShim.supports(algorithm));
                byte[] signature = key.sign(algorithm, INPUT);
                assertEquals(256, signature.length);
                assertTrue(verifies(rsa.getPublic(), algorithm, INPUT, signature), ALGORITHMS.get(algorithm));
                // the input is hashed: another message does not verify
                assertFalse(verifies(rsa.getPublic(), algorithm, "other".getBytes(StandardCharsets.US_ASCII),
                        signature), ALGORITHMS.get(algorithm));
                if (!ALGORITHMS.get(algorithm).startsWith("PSS")) {
                    // PKCS#1 v1.5 is deterministic: the JDK's own signature is the same bytes
                    assertArrayEquals(RsaSigner.jdkSign(rsa.getPrivate(), algorithm, INPUT), signature);
                }
            }
            // a large input (beyond the stack buffer) too
            byte[] big = new byte[5000];
            assertTrue(verifies(rsa.getPublic(), RsaShim.RSA_PSS_RSAE_SHA256, big,
                    key.sign(RsaShim.RSA_PSS_RSAE_SHA256, big)));
        }
    }

    @Test
    void otherAlgorithmsAndNonRsaKeysAreRefused() throws Exception {
        try (NativeRsaKey key = NativeRsaKey.load(rsa.getPrivate())) {
            for (int algorithm : new int[]{RsaSigner.RSA_PKCS1_SHA1, 0x0403, 0x0807, 0xff01, 0}) {
                assertFalse(RsaShim.supports(algorithm));
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> key.sign(algorithm, INPUT));
                assertTrue(e.getMessage().contains(String.format("0x%04x", algorithm)), e.getMessage());
            }
        }
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeRsaKey.load(g.generateKeyPair().getPrivate()));
        assertTrue(e.getMessage().contains("not an RSA key"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RsaShim.loadKey(new byte[]{0x30, 0x03, 1, 2, 3}));
    }

    @Test
    void aClosedKeyIsFreedOnceAndTheSignerFallsBackToTheJdk() throws Exception {
        Meters meters = new Meters();
        Counter byLibcrypto = meters.tlsRsaSignatures("libcrypto");
        Counter byJdk = meters.tlsRsaSignatures("jdk");
        int live = NativeRsaKey.live();
        RsaSigner signer = new RsaSigner(rsa.getPrivate(), byLibcrypto, byJdk);
        assertEquals(live + 1, NativeRsaKey.live());
        byte[] s = signer.sign(null, RsaShim.RSA_PSS_RSAE_SHA256, INPUT);
        assertTrue(verifies(rsa.getPublic(), RsaShim.RSA_PSS_RSAE_SHA256, INPUT, s));
        assertEquals(1, byLibcrypto.count());
        // rsa_pkcs1_sha1 (old TLS 1.2 clients): the JDK signs
        byte[] sha1 = signer.sign(null, RsaSigner.RSA_PKCS1_SHA1, INPUT);
        Signature v = Signature.getInstance("SHA1withRSA");
        v.initVerify(rsa.getPublic());
        v.update(INPUT);
        assertTrue(v.verify(sha1));
        assertEquals(1, byJdk.count());
        assertThrows(java.security.NoSuchAlgorithmException.class, () -> signer.sign(null, 0x0403, INPUT));

        signer.close();
        assertTrue(signer.closed());
        assertEquals(live, NativeRsaKey.live());
        signer.close(); // twice: still freed once
        assertEquals(live, NativeRsaKey.live());
        byte[] after = signer.sign(null, RsaShim.RSA_PKCS1_SHA384, INPUT);
        assertTrue(verifies(rsa.getPublic(), RsaShim.RSA_PKCS1_SHA384, INPUT, after));
        assertEquals(1, byLibcrypto.count());
        assertEquals(2, byJdk.count());
    }

    @Test
    void closingWhileOtherThreadsSignFreesOnlyAfterTheLastSignature() throws Exception {
        int live = NativeRsaKey.live();
        NativeRsaKey key = NativeRsaKey.load(rsa.getPrivate());
        int threads = 4;
        CountDownLatch started = new CountDownLatch(threads);
        AtomicInteger signed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                started.countDown();
                try {
                    // until this thread sees the key closed (bounded: the close comes after 20 signatures)
                    for (int i = 0; i < 20_000; i++) {
                        byte[] s = key.sign(RsaShim.RSA_PSS_RSAE_SHA256, INPUT);
                        if (s == null) {
                            refused.incrementAndGet();
                            break;
                        } else if (verifies(rsa.getPublic(), RsaShim.RSA_PSS_RSAE_SHA256, INPUT, s)) {
                            signed.incrementAndGet();
                        } else {
                            throw new AssertionError("bad signature");
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            th.start();
            all.add(th);
        }
        started.await();
        while (signed.get() < 20 && failure.get() == null) {
            Thread.sleep(1);
        }
        key.close();
        for (Thread th : all) {
            th.join();
        }
        assertNull(failure.get());
        assertTrue(key.freed());
        assertEquals(live, NativeRsaKey.live());
        assertEquals(threads, refused.get(), "every thread saw the key closed");
        assertTrue(signed.get() >= 20, signed + " signed");
    }
}
