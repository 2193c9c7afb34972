package dev.phalanx.node.compression;

import java.util.List;

/**
 * Content negotiation on {@code Accept-Encoding} (RFC 9110 section 12.5.3): which of the node's codings a request
 * accepts, with q-values, {@code *} for any coding not named, {@code x-gzip} as {@code gzip}, and
 * {@code identity;q=0}. The codings offered are tried in the node's order of preference; the one with the highest
 * q-value wins, ties going to the earlier one. Parses without allocating beyond the result; malformed members are
 * skipped (a broken q-value counts as 0: not accepted).
 */
public final class AcceptEncoding {
    /** q-values in thousandths, as RFC 9110 section 12.4.2 allows at most three decimals. */
    private static final int Q_ONE = 1000;
    private static final int UNSET = -1;

    private AcceptEncoding() {
    }

    /**
     * @param values   the request's {@code Accept-Encoding} field lines (empty when it had none)
     * @param offered  the codings the route may produce, in the node's preference
     * @return the coding to use, or {@link ContentCoding#IDENTITY} when none offered is acceptable (also when the
     *     request had no {@code Accept-Encoding}: RFC 9110 lets a server pick any coding then, but clients that
     *     send none rarely decode one)
     */
    public static ContentCoding pick(List<String> values, List<ContentCoding> offered) {
        if (values.isEmpty()) {
            return ContentCoding.IDENTITY;
        }
        ContentCoding best = ContentCoding.IDENTITY;
        int bestQ = 0;
        for (ContentCoding c : offered) {
            int q = quality(values, c);
            if (q > bestQ) {
                best = c;
                bestQ = q;
            }
        }
        return best;
    }

    /** The q-value (0..1000) the field lines give {@code coding}: its own member, else {@code *}, else 0. */
    static int quality(List<String> values, ContentCoding coding) {
        int named = UNSET;
        int star = UNSET;
        for (int v = 0; v < values.size(); v++) {
            String s = values.get(v);
            int i = 0;
            int n = s.length();
            while (i < n) {
                int end = s.indexOf(',', i);
                if (end < 0) {
                    end = n;
                }
                int semi = s.indexOf(';', i);
                int tokenEnd = semi >= 0 && semi < end ? semi : end;
                int ts = skipSpace(s, i, tokenEnd);
                int te = trimEnd(s, ts, tokenEnd);
                if (te > ts) {
                    int q = semi >= 0 && semi < end ? qParam(s, semi + 1, end) : Q_ONE;
                    if (te - ts == 1 && s.charAt(ts) == '*') {
                        star = Math.max(star, q);
                    } else if (matches(s, ts, te, coding)) {
                        named = Math.max(named, q);
                    }
                }
                i = end + 1;
            }
        }
        if (named != UNSET) {
            return named;
        }
        return star == UNSET ? 0 : star;
    }

    private static boolean matches(String s, int start, int end, ContentCoding coding) {
        String token = coding.token();
        int len = end - start;
        if (len == token.length() && s.regionMatches(true, start, token, 0, len)) {
            return true;
        }
        return coding == ContentCoding.GZIP && len == 6 && s.regionMatches(true, start, "x-gzip", 0, 6);
    }

    /** The {@code q} parameter among {@code ;}-separated parameters in {@code [from, end)}; 1000 without one. */
    private static int qParam(String s, int from, int end) {
        int i = from;
        while (i < end) {
            int next = s.indexOf(';', i);
            if (next < 0 || next > end) {
                next = end;
            }
            int ps = skipSpace(s, i, next);
            int eq = s.indexOf('=', ps);
            if (eq > 0 && eq < next) {
                int ne = trimEnd(s, ps, eq);
                if (ne - ps == 1 && (s.charAt(ps) == 'q' || s.charAt(ps) == 'Q')) {
                    return qValue(s, skipSpace(s, eq + 1, next), trimEnd(s, eq + 1, next));
                }
            }
            i = next + 1;
        }
        return Q_ONE;
    }

    /** {@code 0}, {@code 0.xxx}, {@code 1} or {@code 1.000} in thousandths; 0 when malformed. */
    static int qValue(String s, int start, int end) {
        if (start >= end) {
            return 0;
        }
        char first = s.charAt(start);
        if (first != '0' && first != '1') {
            return 0;
        }
        int value = (first - '0') * Q_ONE;
        if (end - start == 1) {
            return value;
        }
        if (s.charAt(start + 1) != '.' || end - start > 5) {
            return 0;
        }
        int scale = 100;
        for (int i = start + 2; i < end; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            value += (c - '0') * scale;
            scale /= 10;
        }
        return Math.min(value, Q_ONE) == value ? value : 0;
    }

    private static int skipSpace(String s, int i, int end) {
        while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private static int trimEnd(String s, int start, int end) {
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return end;
    }
}
