package dev.phalanx.node.http;

/** Character classes of RFC 9110 and RFC 3986, as lookup tables for the request path. */
final class HttpChars {
    private static final boolean[] TCHAR = new boolean[256];
    private static final boolean[] REG_NAME = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
            REG_NAME[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
            REG_NAME[c] = true;
            REG_NAME[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c : "-._~%!$&'()*+,;=".toCharArray()) {
            REG_NAME[c] = true;
        }
    }

    private HttpChars() {
    }

    /** A token character (field names, methods); {@code b} is an unsigned byte 0-255. */
    static boolean isTchar(int b) {
        return TCHAR[b];
    }

    /** A reg-name character of RFC 3986 (unreserved, pct-encoded, sub-delims). */
    static boolean isRegName(char c) {
        return c < 128 && REG_NAME[c];
    }

    /** The value of an ASCII hex digit, or -1. */
    static int hexValue(int b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }
}
