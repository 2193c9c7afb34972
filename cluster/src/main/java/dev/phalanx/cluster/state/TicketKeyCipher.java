package dev.phalanx.cluster.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts ticket keys before they enter the grid (Hazelcast Community has no TLS between members): AES-256-GCM
 * under a key derived from the cluster secret ({@code grid.secretFile}) with HMAC-SHA256, a random 96-bit nonce per
 * value, and the cluster name, rotation period and epoch as associated data, so a stored value cannot be replayed
 * for another epoch or cluster. Stored layout: version byte 1, nonce (12), ciphertext of name|hmac|aes (48), tag (16).
 */
final class TicketKeyCipher {
    static final int MIN_SECRET_BYTES = 32;
    private static final byte VERSION = 1;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String context;

    TicketKeyCipher(byte[] secret, String clusterName, long rotateMillis) {
        this.key = new SecretKeySpec(derive(secret), "AES");
        this.context = "phalanx-ticket-key|" + clusterName + "|" + rotateMillis + "|";
    }

    /**
     * Reads the cluster secret: the file's bytes with trailing white space removed, at least
     * {@value #MIN_SECRET_BYTES} of them.
     *
     * @throws IllegalArgumentException with a {@code grid.secretFile: ...} message when it is missing or too short
     */
    static byte[] readSecret(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("grid.secretFile: required with a grid");
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("grid.secretFile: " + file + " does not exist (create it with: "
                    + "openssl rand -base64 48 > " + file + "; the same file on every node)");
        } catch (IOException e) {
            throw new IllegalArgumentException("grid.secretFile: cannot read " + file + ": " + e.getMessage());
        }
        int end = raw.length;
        while (end > 0 && Character.isWhitespace(raw[end - 1])) {
            end--;
        }
        if (end < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("grid.secretFile: " + file + " holds " + end + " bytes, needs at least "
                    + MIN_SECRET_BYTES + " (openssl rand -base64 48 makes a good one)");
        }
        return Arrays.copyOf(raw, end);
    }

    byte[] seal(TicketKey ticketKey) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        byte[] plain = new byte[3 * TicketKey.PART_BYTES];
        System.arraycopy(ticketKey.name(), 0, plain, 0, 16);
        System.arraycopy(ticketKey.hmacKey(), 0, plain, 16, 16);
        System.arraycopy(ticketKey.aesKey(), 0, plain, 32, 16);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad(ticketKey.epoch()));
            byte[] sealed = cipher.doFinal(plain);
            return ByteBuffer.allocate(1 + NONCE + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable: " + e, e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** @throws GeneralSecurityException when the value was not sealed under this secret for this epoch */
    TicketKey open(long epoch, byte[] stored) throws GeneralSecurityException {
        if (stored == null || stored.length < 1 + NONCE + 16 || stored[0] != VERSION) {
            throw new GeneralSecurityException("not a sealed ticket key");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 1, NONCE));
        cipher.updateAAD(aad(epoch));
        byte[] plain = cipher.doFinal(stored, 1 + NONCE, stored.length - 1 - NONCE);
        try {
            if (plain.length != 48) {
                throw new GeneralSecurityException("sealed ticket key of " + plain.length + " bytes");
            }
            return new TicketKey(epoch, Arrays.copyOfRange(plain, 0, 16), Arrays.copyOfRange(plain, 16, 32),
                    Arrays.copyOfRange(plain, 32, 48));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    static TicketKey randomKey(long epoch) {
        byte[] name = new byte[16];
        byte[] hmac = new byte[16];
        byte[] aes = new byte[16];
        RANDOM.nextBytes(name);
        RANDOM.nextBytes(hmac);
        RANDOM.nextBytes(aes);
        return new TicketKey(epoch, name, hmac, aes);
    }

    private byte[] aad(long epoch) {
        return (context + epoch).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] derive(byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal("phalanx grid ticket-key wrapping v1".getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable: " + e, e);
        }
    }
}
