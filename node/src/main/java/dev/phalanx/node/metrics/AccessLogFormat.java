package dev.phalanx.node.metrics;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Writes an {@link AccessLogEntry} as one JSON object on one line. Hand-written rather than through a JSON library
 * because the shape is fixed and the writer thread formats every request: strings are escaped per RFC 8259 (quotes,
 * backslashes and every control character; also DEL, U+2028 and U+2029 so a line is safe to paste into JavaScript),
 * an unpaired surrogate becomes U+FFFD so the UTF-8 output is always valid, and long fields are cut at a character
 * boundary. Not thread-safe: it caches the formatted second; one instance per writer thread.
 */
final class AccessLogFormat {
    static final int MAX_PATH = 2048;
    static final int MAX_USER_AGENT = 512;
    static final int MAX_HOST = 256;
    static final int MAX_OTHER = 256;

    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private long cachedSecond = Long.MIN_VALUE;
    private String cachedSecondText;

    /** Appends the entry as one JSON object and a newline. */
    void appendLine(StringBuilder sb, AccessLogEntry e) {
        sb.append("{\"time\":");
        appendTime(sb, e.time());
        field(sb, "node", e.node(), MAX_OTHER);
        field(sb, "listener", e.listener(), MAX_OTHER);
        field(sb, "requestId", e.requestId(), MAX_OTHER);
        field(sb, "client", e.client(), MAX_OTHER);
        field(sb, "method", e.method(), MAX_OTHER);
        field(sb, "host", e.host(), MAX_HOST);
        field(sb, "path", e.path(), MAX_PATH);
        field(sb, "protocol", e.protocol(), MAX_OTHER);
        sb.append(",\"status\":").append(e.status());
        sb.append(",\"bytesIn\":").append(e.bytesIn());
        sb.append(",\"bytesOut\":").append(e.bytesOut());
        sb.append(",\"durationMs\":");
        appendMillis(sb, e.durationMs());
        field(sb, "route", e.route(), MAX_OTHER);
        field(sb, "pool", e.pool(), MAX_OTHER);
        field(sb, "upstream", e.upstream(), MAX_OTHER);
        sb.append(",\"upstreamStatus\":");
        if (e.upstreamStatus() > 0) {
            sb.append(e.upstreamStatus());
        } else {
            sb.append("null");
        }
        sb.append(",\"attempts\":").append(e.attempts());
        field(sb, "userAgent", e.userAgent(), MAX_USER_AGENT);
        field(sb, "error", e.error(), MAX_OTHER);
        field(sb, "encoding", e.encoding(), MAX_OTHER);
        field(sb, "cache", e.cache(), MAX_OTHER);
        sb.append("}\n");
    }

    private static void field(StringBuilder sb, String name, String value, int max) {
        sb.append(",\"").append(name).append("\":");
        appendString(sb, value, max);
    }

    /** {@code 2025-06-01T12:00:00.123Z}; the part up to the second is formatted once per second. */
    private void appendTime(StringBuilder sb, Instant time) {
        if (time == null) {
            sb.append("null");
            return;
        }
        long second = time.getEpochSecond();
        if (second != cachedSecond) {
            cachedSecondText = SECOND.format(LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC));
            cachedSecond = second;
        }
        int millis = time.getNano() / 1_000_000;
        sb.append('"').append(cachedSecondText).append('.')
                .append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
                .append((char) ('0' + millis % 10)).append("Z\"");
    }

    /** Milliseconds with exactly three decimals (microsecond resolution), null when not a finite number. */
    static void appendMillis(StringBuilder sb, double ms) {
        if (!Double.isFinite(ms)) {
            sb.append("null");
            return;
        }
        long micros = Math.round(ms * 1000.0);
        if (micros < 0) {
            sb.append('-');
            micros = -micros;
        }
        long fraction = micros % 1000;
        sb.append(micros / 1000).append('.');
        if (fraction < 100) {
            sb.append('0');
        }
        if (fraction < 10) {
            sb.append('0');
        }
        sb.append(fraction);
    }

    /** A JSON string (or {@code null}) of at most {@code max} characters of {@code s}. */
    static void appendString(StringBuilder sb, String s, int max) {
        if (s == null) {
            sb.append("null");
            return;
        }
        int end = Math.min(s.length(), max);
        if (end < s.length() && end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--; // do not cut a surrogate pair in two
        }
        sb.append('"');
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        appendUnicodeEscape(sb, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < end
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        sb.append('\uFFFD');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void appendUnicodeEscape(StringBuilder sb, char c) {
        sb.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
    }
}
