package dev.phalanx.node.balancing;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Fast non-cryptographic 64-bit hashing for balancer keys: an xxHash64-style pass over a string's UTF-16 code units
 * (four per 64-bit lane, no byte array) and murmur3's fmix64 finalizer for numbers. Nothing here allocates except
 * {@link #hashAddress} for IPv6 addresses (the JDK hands out the 16 address bytes only as a copy).
 */
final class Hashing {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private Hashing() {
    }

    /** Hashes {@code s} (all of its chars); equal strings give equal hashes in every JVM. */
    static long hashChars(CharSequence s) {
        int len = s.length();
        long h = P5 + ((long) len << 1);
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            long lane = s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32
                    | (long) s.charAt(i + 3) << 48;
            h ^= round(lane);
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        for (; i < len; i++) {
            h ^= s.charAt(i) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        return avalanche(h);
    }

    /** Hashes a client address: IPv4 without allocation, IPv6 over its 16 bytes. */
    static long hashAddress(InetAddress address) {
        if (address instanceof Inet4Address) {
            return mix64(address.hashCode() & 0xFFFFFFFFL); // Inet4Address.hashCode() is the address itself
        }
        byte[] bytes = address.getAddress();
        long h = P5 + bytes.length;
        for (int i = 0; i + 8 <= bytes.length; i += 8) {
            long lane = 0;
            for (int j = 0; j < 8; j++) {
                lane = lane << 8 | (bytes[i + j] & 0xFF);
            }
            h ^= round(lane);
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        return avalanche(h);
    }

    /** murmur3's 64-bit finalizer: every input bit affects every output bit. */
    static long mix64(long k) {
        k ^= k >>> 33;
        k *= 0xFF51AFD7ED558CCDL;
        k ^= k >>> 33;
        k *= 0xC4CEB9FE1A85EC53L;
        k ^= k >>> 33;
        return k;
    }

    /** Maps a hash to {@code [0, n)} without the bias of a signed remainder. */
    static int bucket(long hash, int n) {
        return (int) Long.remainderUnsigned(hash, n);
    }

    private static long round(long lane) {
        return Long.rotateLeft(lane * P2, 31) * P1;
    }

    private static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }
}
