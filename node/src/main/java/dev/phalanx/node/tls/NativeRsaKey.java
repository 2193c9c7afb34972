package dev.phalanx.node.tls;

import java.security.PrivateKey;
import java.security.SignatureException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One RSA private key held by libcrypto through {@link RsaShim}, with a lock-free guard so the native key is freed
 * exactly once and never while a signature with it is running: {@link #sign} counts itself in and out, and
 * {@link #close} only marks the key closed; whichever of the two sees the count at zero after the close frees it.
 * After {@link #close} {@link #sign} answers null (the caller signs another way) instead of touching freed memory.
 */
final class NativeRsaKey implements AutoCloseable {
    private static final long CLOSED = 1L << 62;
    /** Native keys loaded and not yet freed, in this process (for tests and the admin's view of leaks). */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private final long handle;
    /** Signatures running, plus {@link #CLOSED} once closed. */
    private final AtomicLong state = new AtomicLong();
    private volatile boolean freed;

    private NativeRsaKey(long handle) {
        this.handle = handle;
    }

    /** Hands the key to libcrypto; {@link RsaShim#available()} must be true and the key RSA with a PKCS#8 encoding. */
    static NativeRsaKey load(PrivateKey key) {
        byte[] der = key.getEncoded();
        if (der == null) {
            throw new IllegalArgumentException("the private key cannot be exported (PKCS#8) for libcrypto");
        }
        try {
            NativeRsaKey k = new NativeRsaKey(RsaShim.loadKey(der));
            LIVE.incrementAndGet();
            return k;
        } finally {
            java.util.Arrays.fill(der, (byte) 0);
        }
    }

    /**
     * The signature of {@code input} with a TLS signature algorithm that {@link RsaShim#supports}, or null when
     * this key is closed.
     */
    byte[] sign(int algorithm, byte[] input) throws SignatureException {
        long s;
        do {
            s = state.get();
            if ((s & CLOSED) != 0) {
                return null;
            }
        } while (!state.compareAndSet(s, s + 1));
        try {
            return RsaShim.sign(handle, algorithm, input);
        } finally {
            if (state.decrementAndGet() == CLOSED) {
                free(); // closed while this signature ran: the last one out frees
            }
        }
    }

    /** No new signature starts with libcrypto; the native key is freed now, or by the last signature running. */
    @Override
    public void close() {
        long before = state.getAndUpdate(s -> s | CLOSED);
        if (before == 0) {
            free();
        }
    }

    /** Whether the native key has been freed. */
    boolean freed() {
        return freed;
    }

    /** Native keys loaded in this process and not freed. */
    static int live() {
        return LIVE.get();
    }

    private void free() {
        freed = true;
        LIVE.decrementAndGet();
        RsaShim.freeKey(handle);
    }
}
