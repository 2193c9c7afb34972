package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.Map;

/**
 * One pass over a message's fields that notes which hop-by-hop and framing fields it carries and what its
 * {@code Connection} fields say. The proxy asks these questions of every request and response; asked one by one
 * (keep-alive? chunked? upgrade? which hop-by-hop fields to remove?) they cost a hash lookup each, most of them
 * for fields that are not there.
 */
final class HeaderScan {
    static final int CONNECTION = 1;
    static final int KEEP_ALIVE = 1 << 1;
    static final int PROXY_CONNECTION = 1 << 2;
    static final int TE = 1 << 3;
    static final int TRANSFER_ENCODING = 1 << 4;
    static final int UPGRADE = 1 << 5;
    /** Any of the hop-by-hop fields above. */
    static final int HOP_FIELDS = CONNECTION | KEEP_ALIVE | PROXY_CONNECTION | TE | TRANSFER_ENCODING | UPGRADE;
    static final int CONTENT_LENGTH = 1 << 6;
    /** {@code Transfer-Encoding} lists {@code chunked}. */
    static final int CHUNKED = 1 << 7;
    /** A {@code Connection} token {@code close}. */
    static final int TOKEN_CLOSE = 1 << 8;
    /** A {@code Connection} token {@code keep-alive}. */
    static final int TOKEN_KEEP_ALIVE = 1 << 9;
    /** A {@code Connection} token {@code upgrade}. */
    static final int TOKEN_UPGRADE = 1 << 10;
    /** A {@code Connection} token other than {@code keep-alive} and {@code upgrade}: it may name another field. */
    static final int TOKEN_OTHER = 1 << 11;
    /** An {@code Expect} field. */
    static final int EXPECT = 1 << 12;

    private static final AsciiString PROXY_CONNECTION_NAME = AsciiString.cached("proxy-connection");
    private static final AsciiString[] CONNECTION_TOKENS = {
        HttpHeaderValues.KEEP_ALIVE, HttpHeaderValues.UPGRADE, HttpHeaderValues.CLOSE};
    // a field named "close" is hop-by-hop too, so close also counts as "other"
    private static final int[] CONNECTION_BITS = {TOKEN_KEEP_ALIVE, TOKEN_UPGRADE, TOKEN_CLOSE | TOKEN_OTHER};
    private static final AsciiString[] TE_TOKENS = {HttpHeaderValues.CHUNKED};
    private static final int[] TE_BITS = {CHUNKED};

    private HeaderScan() {
    }

    static int of(HttpHeaders headers) {
        int fields = 0;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            switch (name.length()) {
                case 2 -> fields |= is(name, HttpHeaderNames.TE) ? TE : 0;
                case 6 -> fields |= is(name, HttpHeaderNames.EXPECT) ? EXPECT : 0;
                case 7 -> fields |= is(name, HttpHeaderNames.UPGRADE) ? UPGRADE : 0;
                case 10 -> {
                    if (is(name, HttpHeaderNames.CONNECTION)) {
                        fields |= CONNECTION | tokens(e.getValue(), CONNECTION_TOKENS, CONNECTION_BITS, TOKEN_OTHER);
                    } else if (is(name, HttpHeaderNames.KEEP_ALIVE)) {
                        fields |= KEEP_ALIVE;
                    }
                }
                case 14 -> fields |= is(name, HttpHeaderNames.CONTENT_LENGTH) ? CONTENT_LENGTH : 0;
                case 16 -> fields |= is(name, PROXY_CONNECTION_NAME) ? PROXY_CONNECTION : 0;
                case 17 -> {
                    if (is(name, HttpHeaderNames.TRANSFER_ENCODING)) {
                        fields |= TRANSFER_ENCODING;
                        fields |= tokens(e.getValue(), TE_TOKENS, TE_BITS, 0);
                    }
                }
                default -> {
                }
            }
        }
        return fields;
    }

    /** What {@code HttpUtil.isKeepAlive} answers, from the scan. */
    static boolean keepAlive(int fields, HttpVersion version) {
        return (fields & TOKEN_CLOSE) == 0 && (version.isKeepAliveDefault() || (fields & TOKEN_KEEP_ALIVE) != 0);
    }

    /** The request asks for an {@code Upgrade}: the field and a {@code Connection: upgrade} token. */
    static boolean upgrade(int fields) {
        return (fields & (UPGRADE | TOKEN_UPGRADE)) == (UPGRADE | TOKEN_UPGRADE);
    }

    private static boolean is(CharSequence name, AsciiString expected) {
        return expected.contentEqualsIgnoreCase(name);
    }

    /**
     * The bits of the tokens of one comma-separated value (optional whitespace around each, case-insensitive):
     * {@code bits[i]} for a token equal to {@code names[i]}, {@code otherBits} for any other token.
     */
    private static int tokens(CharSequence value, AsciiString[] names, int[] bits, int otherBits) {
        int found = 0;
        int len = value.length();
        int start = 0;
        while (start <= len) {
            int end = start;
            while (end < len && value.charAt(end) != ',') {
                end++;
            }
            int s = start;
            int t = end;
            while (s < t && isOws(value.charAt(s))) {
                s++;
            }
            while (t > s && isOws(value.charAt(t - 1))) {
                t--;
            }
            if (t > s) {
                found |= token(value, s, t, names, bits, otherBits);
            }
            start = end + 1;
        }
        return found;
    }

    private static int token(CharSequence value, int start, int end, AsciiString[] names, int[] bits,
                             int otherBits) {
        for (int i = 0; i < names.length; i++) {
            if (regionIs(value, start, end, names[i])) {
                return bits[i];
            }
        }
        return otherBits;
    }

    private static boolean regionIs(CharSequence value, int start, int end, AsciiString expected) {
        if (end - start != expected.length()) {
            return false;
        }
        for (int i = 0; i < expected.length(); i++) {
            char c = value.charAt(start + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
