package dev.phalanx.cluster.state;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One TLS session-ticket key of one epoch, in the layout OpenSSL takes: a 16-byte name (sent in the ticket so a
 * server finds the key again), a 16-byte HMAC secret and a 16-byte AES secret. Key material never leaves the node
 * unencrypted and is never logged: {@link #toString()} shows the epoch and the name's first bytes only.
 *
 * @param epoch the epoch the key belongs to ({@code floor(epochMillis / rotateEvery)})
 */
public record TicketKey(long epoch, byte[] name, byte[] hmacKey, byte[] aesKey) {
    public static final int PART_BYTES = 16;

    public TicketKey {
        check("name", name);
        check("hmacKey", hmacKey);
        check("aesKey", aesKey);
        name = name.clone();
        hmacKey = hmacKey.clone();
        aesKey = aesKey.clone();
    }

    private static void check(String what, byte[] b) {
        if (b == null || b.length != PART_BYTES) {
            throw new IllegalArgumentException(what + " must be " + PART_BYTES + " bytes");
        }
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    @Override
    public byte[] hmacKey() {
        return hmacKey.clone();
    }

    @Override
    public byte[] aesKey() {
        return aesKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TicketKey k && k.epoch == epoch && Arrays.equals(k.name, name)
                && Arrays.equals(k.hmacKey, hmacKey) && Arrays.equals(k.aesKey, aesKey);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return "TicketKey[epoch=" + epoch + ", name=" + HexFormat.of().formatHex(name, 0, 4) + "…]";
    }
}
