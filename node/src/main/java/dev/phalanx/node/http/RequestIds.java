package dev.phalanx.node.http;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** X-Request-Id values: 128 random bits as 32 hex characters, and the check for ids that arrive with a request. */
public final class RequestIds {
    /** The longest incoming id that is kept. */
    public static final int MAX_LENGTH = 200;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final boolean[] ALLOWED = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            ALLOWED[c] = true;
            ALLOWED[c - 32] = true;
        }
        for (char c : "._:+/=-".toCharArray()) {
            ALLOWED[c] = true;
        }
    }

    private RequestIds() {
    }

    /**
     * Keeps one well-formed incoming {@code X-Request-Id}; otherwise (none, several, malformed) sets a new one.
     *
     * @return the id now in the headers
     */
    public static String settle(io.netty.handler.codec.http.HttpHeaders headers) {
        String first = headers.get(HeaderNames.X_REQUEST_ID);
        if (first != null && isWellFormed(first) && headers.getAll(HeaderNames.X_REQUEST_ID).size() == 1) {
            return first;
        }
        String id = next();
        headers.set(HeaderNames.X_REQUEST_ID, id);
        return id;
    }

    /** A new id: 32 lower-case hex characters from {@link ThreadLocalRandom} (not a secret, only unique). */
    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] out = new byte[32];
        writeHex(out, 0, random.nextLong());
        writeHex(out, 16, random.nextLong());
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** True for 1 to {@value #MAX_LENGTH} characters of {@code [A-Za-z0-9._:+/=-]}. */
    public static boolean isWellFormed(CharSequence id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                return false;
            }
        }
        return true;
    }

    private static void writeHex(byte[] out, int at, long bits) {
        for (int i = at + 15; i >= at; i--) {
            out[i] = HEX[(int) (bits & 0xF)];
            bits >>>= 4;
        }
    }
}
