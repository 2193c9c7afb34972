package dev.phalanx.node.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The little of ASN.1 DER (X.690) that OCSP needs: writing the TLVs of a request and reading a response's TLVs
 * (definite lengths only, as DER requires). A malformed input throws {@link Malformed}; nothing reads past a
 * value's end.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int ENUMERATED = 0x0a;
    static final int GENERALIZED_TIME = 0x18;
    static final int SEQUENCE = 0x30;
    private static final DateTimeFormatter GENERALIZED = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");

    /** The input is not the DER expected; the message says what was wrong. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message);
        }
    }

    private Der() {
    }

    // ---- writing

    /** One TLV with a one-byte tag (universal or context-specific, as given). */
    static byte[] tlv(int tag, byte[]... contents) {
        int length = 0;
        for (byte[] c : contents) {
            length += c.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            byte[] len = BigInteger.valueOf(length).toByteArray();
            int skip = len[0] == 0 ? 1 : 0;
            out.write(0x80 | (len.length - skip));
            out.write(len, skip, len.length - skip);
        }
        for (byte[] c : contents) {
            out.write(c, 0, c.length);
        }
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... contents) {
        return tlv(SEQUENCE, contents);
    }

    static byte[] integer(BigInteger value) {
        return tlv(INTEGER, value.toByteArray());
    }

    static byte[] octetString(byte[] value) {
        return tlv(OCTET_STRING, value);
    }

    static byte[] nullValue() {
        return new byte[]{NULL, 0};
    }

    /** An OBJECT IDENTIFIER from its dotted form ({@code 1.3.14.3.2.26}). */
    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, Long.parseLong(parts[0]) * 40 + Long.parseLong(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            base128(out, Long.parseLong(parts[i]));
        }
        return tlv(OID, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long v) {
        int groups = 1;
        while (v >>> (7 * groups) != 0) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            out.write((int) ((v >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
        }
    }

    // ---- reading

    /** The value starting at {@code offset} of {@code der}, which must end exactly at the array's end. */
    static Value parse(byte[] der) {
        Value v = read(der, 0, der.length);
        if (v.end() != der.length) {
            throw new Malformed((der.length - v.end()) + " bytes after the value");
        }
        return v;
    }

    private static Value read(byte[] b, int offset, int limit) {
        if (offset + 2 > limit) {
            throw new Malformed("truncated at byte " + offset);
        }
        int tag = b[offset] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new Malformed("multi-byte tag at byte " + offset);
        }
        int first = b[offset + 1] & 0xff;
        int header = 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 4) {
                throw new Malformed("unsupported length form at byte " + offset);
            }
            if (offset + 2 + n > limit) {
                throw new Malformed("truncated length at byte " + offset);
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (b[offset + 2 + i] & 0xff);
            }
            header += n;
        }
        if (offset + header + length > limit) {
            throw new Malformed("value at byte " + offset + " runs past its container");
        }
        return new Value(b, tag, offset, offset + header, (int) length);
    }

    /**
     * One TLV inside a byte array.
     *
     * @param start the tag's offset; {@code contentStart} the first content byte
     */
    record Value(byte[] bytes, int tag, int start, int contentStart, int length) {
        int end() {
            return contentStart + length;
        }

        /** The whole TLV (tag, length, content), e.g. what a signature covers. */
        byte[] encoded() {
            return Arrays.copyOfRange(bytes, start, end());
        }

        byte[] content() {
            return Arrays.copyOfRange(bytes, contentStart, end());
        }

        Value expect(int expectedTag, String what) {
            if (tag != expectedTag) {
                throw new Malformed(what + ": expected tag 0x" + Integer.toHexString(expectedTag) + ", found 0x"
                        + Integer.toHexString(tag));
            }
            return this;
        }

        /** The values inside a constructed value (SEQUENCE, SET, explicit tag). */
        List<Value> children() {
            if ((tag & 0x20) == 0) {
                throw new Malformed("tag 0x" + Integer.toHexString(tag) + " is not constructed");
            }
            List<Value> out = new ArrayList<>();
            int i = contentStart;
            while (i < end()) {
                Value v = read(bytes, i, end());
                out.add(v);
                i = v.end();
            }
            return out;
        }

        /** The one value inside an explicit tag. */
        Value inner() {
            List<Value> c = children();
            if (c.size() != 1) {
                throw new Malformed("explicit tag 0x" + Integer.toHexString(tag) + " holds " + c.size() + " values");
            }
            return c.get(0);
        }

        BigInteger integer() {
            if (length == 0) {
                throw new Malformed("empty INTEGER");
            }
            return new BigInteger(content());
        }

        String oid() {
            expect(OID, "OBJECT IDENTIFIER");
            if (length == 0) {
                throw new Malformed("empty OBJECT IDENTIFIER");
            }
            StringBuilder sb = new StringBuilder();
            long v = 0;
            boolean firstArc = true;
            for (int i = contentStart; i < end(); i++) {
                v = (v << 7) | (bytes[i] & 0x7f);
                if ((bytes[i] & 0x80) == 0) {
                    if (firstArc) {
                        long a = Math.min(v / 40, 2);
                        sb.append(a).append('.').append(v - a * 40);
                        firstArc = false;
                    } else {
                        sb.append('.').append(v);
                    }
                    v = 0;
                } else if (v > (Long.MAX_VALUE >>> 7)) {
                    throw new Malformed("OBJECT IDENTIFIER arc too large");
                }
            }
            if ((bytes[end() - 1] & 0x80) != 0) {
                throw new Malformed("truncated OBJECT IDENTIFIER");
            }
            return sb.toString();
        }

        /** A BIT STRING's bits (whole bytes only, as keys and signatures are). */
        byte[] bitString() {
            expect(BIT_STRING, "BIT STRING");
            if (length == 0 || bytes[contentStart] != 0) {
                throw new Malformed("BIT STRING with unused bits");
            }
            return Arrays.copyOfRange(bytes, contentStart + 1, end());
        }

        /** A GeneralizedTime in DER form ({@code YYYYMMDDHHMMSS[.fff]Z}). */
        Instant generalizedTime() {
            expect(GENERALIZED_TIME, "GeneralizedTime");
            String s = new String(bytes, contentStart, length, StandardCharsets.US_ASCII);
            if (s.length() < 15 || !s.endsWith("Z")) {
                throw new Malformed("GeneralizedTime \"" + s + "\" is not in UTC");
            }
            try {
                Instant whole = LocalDateTime.parse(s.substring(0, 14), GENERALIZED).toInstant(ZoneOffset.UTC);
                if (s.length() > 15 && s.charAt(14) == '.') {
                    String frac = s.substring(15, s.length() - 1);
                    return whole.plusNanos((long) (Double.parseDouble("0." + frac) * 1e9));
                }
                return whole;
            } catch (DateTimeParseException | NumberFormatException e) {
                throw new Malformed("GeneralizedTime \"" + s + "\": " + e.getMessage());
            }
        }
    }
}
