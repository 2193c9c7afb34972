package dev.phalanx.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * A streaming, allocation-free checker of the raw bytes of HTTP/1.1 requests on one connection. It follows the
 * message framing (Content-Length, chunked) to know where each request head starts, skips body bytes without
 * reading them, and checks every request line, header field, chunk-size line and trailer field byte by byte.
 *
 * <p>It accepts only what every reasonable parser reads the same way:
 * <ul>
 *   <li>request line: {@code tchar+ SP (0x21-0x7E)+ SP "HTTP/" DIGIT "." DIGIT CRLF}; up to 8 empty lines (CRLF)
 *       may come before it;</li>
 *   <li>field lines: {@code tchar+ ":" value CRLF}, the value free of control characters except HTAB; no whitespace
 *       before the colon, no line starting with whitespace (obs-fold), CR only as part of CRLF, LF only after CR;</li>
 *   <li>framing: at most one {@code Content-Length} ({@code *SP 1*18DIGIT}), at most one {@code Transfer-Encoding}
 *       whose value is exactly {@code chunked} (any case, leading SPs only; no other coding, no list, no trailing
 *       whitespace), never both, {@code Transfer-Encoding} only on HTTP/1.1, no {@code Sec-WebSocket-Key1}
 *       (hixie-76: Netty would read an 8-byte body that no header announces);</li>
 *   <li>chunks: {@code 1*16HEXDIG} up to 2^31-1, then {@code ";" extension} or CRLF at once; at most
 *       {@link #MAX_CHUNK_EXTENSION_BYTES} of extensions per request; data followed by CRLF; trailer fields as
 *       header fields.</li>
 * </ul>
 * Requests without Content-Length and Transfer-Encoding have no body (RFC 9112 6.3), as in Netty's decoder.
 * Semantics (Host, version numbers, target form) are checked later on the parsed request.
 */
final class Http1RequestScanner implements ByteProcessor {
    /** Chunk extensions allowed per request, in bytes, all chunks together. */
    static final int MAX_CHUNK_EXTENSION_BYTES = 4096;
    static final int MAX_EMPTY_LINES = 8;

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] HTTP_SLASH = {'H', 'T', 'T', 'P', '/'};
    private static final byte[] CHUNKED = {'c', 'h', 'u', 'n', 'k', 'e', 'd'};
    private static final byte[][] FRAMING_NAMES = {
            "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            "transfer-encoding".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            "sec-websocket-key1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)};
    private static final int NAME_CL = 0;
    private static final int NAME_TE = 1;
    private static final int NAME_HIXIE = 2;
    private static final int ALL_NAMES = 0b111;

    private static final int MESSAGE_START = 0;
    private static final int MESSAGE_START_LF = 1;
    private static final int METHOD = 2;
    private static final int TARGET_START = 3;
    private static final int TARGET = 4;
    private static final int VERSION = 5;
    private static final int REQUEST_LINE_LF = 6;
    private static final int FIELD_START = 7;
    private static final int FIELD_NAME = 8;
    private static final int FIELD_VALUE = 9;
    private static final int FIELD_LF = 10;
    private static final int HEAD_END_LF = 11;
    private static final int BODY = 12;
    private static final int CHUNK_SIZE = 13;
    private static final int CHUNK_EXTENSION = 14;
    private static final int CHUNK_SIZE_LF = 15;
    private static final int CHUNK_DATA = 16;
    private static final int CHUNK_DATA_CR = 17;
    private static final int CHUNK_DATA_LF = 18;
    private static final int REJECTED = 19;

    /** What kind of field value is being read. */
    private static final int VALUE_OTHER = 0;
    private static final int VALUE_CONTENT_LENGTH = 1;
    private static final int VALUE_TRANSFER_ENCODING = 2;

    /** {@link #phase()}: between requests (also while empty lines come before a request line). */
    static final int PHASE_IDLE = 0;
    /** {@link #phase()}: inside a request head. */
    static final int PHASE_HEAD = 1;
    /** {@link #phase()}: inside a request body (chunk lines and trailers too). */
    static final int PHASE_BODY = 2;

    private int state = MESSAGE_START;
    private String violation;
    /** Request lines begun so far. */
    private int messagesStarted;
    /** Request heads and whole requests seen so far (tests compare them with what the decoder emits). */
    private int headsEnded;
    private int messagesEnded;

    // per message
    private int emptyLines;
    private int versionPos;
    private int versionMajor;
    private int versionMinor;
    private boolean inTrailers;
    private boolean sawContentLength;
    private boolean sawTransferEncoding;
    private long contentLength;
    private int extensionBytes;
    // per field
    private int nameLength;
    private int nameCandidates;
    private int valueKind;
    private int valueDigits;
    private int chunkedPos;
    // body
    private long remaining;
    private long chunkSize;
    private int chunkDigits;

    /** Why the bytes were refused, once {@link #scan} returned an index. */
    String violation() {
        return violation;
    }

    boolean rejected() {
        return state == REJECTED;
    }

    int headsEnded() {
        return headsEnded;
    }

    /** Request lines begun on this connection so far. */
    int messagesStarted() {
        return messagesStarted;
    }

    /** Where the bytes scanned so far end: between requests, in a head, or in a body ({@link #PHASE_IDLE}...). */
    int phase() {
        if (state >= METHOD && state <= HEAD_END_LF) {
            return inTrailers && state >= FIELD_START ? PHASE_BODY : PHASE_HEAD;
        }
        return state >= BODY && state <= CHUNK_DATA_LF ? PHASE_BODY : PHASE_IDLE;
    }

    int messagesEnded() {
        return messagesEnded;
    }

    /**
     * Checks {@code buf[from, to)}, continuing where the previous call stopped.
     *
     * @return the index of the first byte that breaks the rules, or -1 when every byte is fine
     */
    int scan(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            if (state == REJECTED) {
                return i;
            }
            if (state == BODY || state == CHUNK_DATA) {
                int n = (int) Math.min(remaining, to - i);
                i += n;
                remaining -= n;
                if (remaining == 0) {
                    if (state == BODY) {
                        messagesEnded++;
                        state = MESSAGE_START;
                    } else {
                        state = CHUNK_DATA_CR;
                    }
                }
                continue;
            }
            int stop = buf.forEachByte(i, to - i, this);
            if (stop < 0) {
                return -1;
            }
            if (state == REJECTED) {
                return stop;
            }
            // process() stopped after a byte that starts a body or chunk: skip its bytes above
            i = stop + 1;
        }
        return -1;
    }

    /** Consumes one byte; false when it was refused or when body bytes follow it. */
    @Override
    public boolean process(byte value) {
        int b = value & 0xFF;
        switch (state) {
            case MESSAGE_START:
                if (HttpChars.isTchar(b)) {
                    startMessage();
                    state = METHOD;
                    return true;
                }
                if (b == CR) {
                    if (++emptyLines > MAX_EMPTY_LINES) {
                        return fail("too many empty lines before the request line");
                    }
                    state = MESSAGE_START_LF;
                    return true;
                }
                return fail("request line: the method is not a token");
            case MESSAGE_START_LF:
                return b == LF ? next(MESSAGE_START) : fail("bare CR before the request line");
            case METHOD:
                if (HttpChars.isTchar(b)) {
                    return true;
                }
                return b == ' ' ? next(TARGET_START) : fail("request line: the method is not a token followed by one space");
            case TARGET_START:
                return b > 0x20 && b < 0x7F ? next(TARGET) : fail("request line: the target must follow a single space");
            case TARGET:
                if (b > 0x20 && b < 0x7F) {
                    return true;
                }
                if (b == ' ') {
                    versionPos = 0;
                    return next(VERSION);
                }
                return fail("request line: invalid character in the target");
            case VERSION:
                return version(b);
            case REQUEST_LINE_LF:
                return b == LF ? next(FIELD_START) : fail("request line: bare CR");
            case FIELD_START:
                return fieldStart(b);
            case FIELD_NAME:
                return fieldName(b);
            case FIELD_VALUE:
                return fieldValue(b);
            case FIELD_LF:
                return b == LF ? fieldEnd() : fail(inTrailers ? "trailer field: bare CR" : "header field: bare CR");
            case HEAD_END_LF:
                return b == LF ? headEnd() : fail("bare CR at the end of the head");
            case CHUNK_SIZE:
                return chunkSize(b);
            case CHUNK_EXTENSION:
                if (b == CR) {
                    return next(CHUNK_SIZE_LF);
                }
                if (++extensionBytes > MAX_CHUNK_EXTENSION_BYTES) {
                    return fail("chunk extensions longer than " + MAX_CHUNK_EXTENSION_BYTES + " bytes");
                }
                return b == '\t' || b >= 0x20 && b != 0x7F ? true : fail("invalid character in a chunk extension");
            case CHUNK_SIZE_LF:
                if (b != LF) {
                    return fail("chunk-size line: bare CR");
                }
                if (chunkSize == 0) {
                    inTrailers = true;
                    return next(FIELD_START);
                }
                remaining = chunkSize;
                state = CHUNK_DATA;
                return false;
            case CHUNK_DATA_CR:
                return b == CR ? next(CHUNK_DATA_LF) : fail("chunk data is not followed by CRLF");
            case CHUNK_DATA_LF:
                if (b != LF) {
                    return fail("chunk data is not followed by CRLF");
                }
                chunkSize = 0;
                chunkDigits = 0;
                return next(CHUNK_SIZE);
            default:
                return false;
        }
    }

    private void startMessage() {
        messagesStarted++;
        emptyLines = 0;
        inTrailers = false;
        sawContentLength = false;
        sawTransferEncoding = false;
        contentLength = 0;
        extensionBytes = 0;
        versionMajor = -1;
        versionMinor = -1;
    }

    private boolean version(int b) {
        if (versionPos < HTTP_SLASH.length) {
            if (b != HTTP_SLASH[versionPos]) {
                return fail("request line: the version is not HTTP/digit.digit");
            }
        } else if (versionPos == 5 && b >= '0' && b <= '9') {
            versionMajor = b - '0';
        } else if (versionPos == 6 && b == '.') {
            // separator
        } else if (versionPos == 7 && b >= '0' && b <= '9') {
            versionMinor = b - '0';
        } else if (versionPos == 8 && b == CR) {
            return next(REQUEST_LINE_LF);
        } else {
            return fail(versionPos == 8 ? "request line: anything but CRLF after the version"
                    : "request line: the version is not HTTP/digit.digit");
        }
        versionPos++;
        return true;
    }

    private boolean fieldStart(int b) {
        if (b == CR) {
            return next(HEAD_END_LF);
        }
        if (b == ' ' || b == '\t') {
            return fail("obs-fold: a field line starts with whitespace");
        }
        if (!HttpChars.isTchar(b)) {
            return fail(inTrailers ? "trailer field: the name is not a token" : "header field: the name is not a token");
        }
        nameLength = 0;
        nameCandidates = inTrailers ? 0 : ALL_NAMES;
        matchName(b);
        return next(FIELD_NAME);
    }

    private boolean fieldName(int b) {
        if (HttpChars.isTchar(b)) {
            matchName(b);
            return true;
        }
        if (b == ':') {
            return nameEnd();
        }
        if (b == ' ' || b == '\t') {
            return fail("header field: whitespace before the colon");
        }
        return fail(inTrailers ? "trailer field: the name is not a token followed by a colon"
                : "header field: the name is not a token followed by a colon");
    }

    /** Narrows the framing header names the field name can still be, lower-casing as it goes. */
    private void matchName(int b) {
        int lower = b >= 'A' && b <= 'Z' ? b + 32 : b;
        for (int k = 0; k < FRAMING_NAMES.length; k++) {
            int bit = 1 << k;
            if ((nameCandidates & bit) != 0) {
                byte[] name = FRAMING_NAMES[k];
                if (nameLength >= name.length || name[nameLength] != lower) {
                    nameCandidates &= ~bit;
                }
            }
        }
        nameLength++;
    }

    private boolean isName(int k) {
        return (nameCandidates & (1 << k)) != 0 && nameLength == FRAMING_NAMES[k].length;
    }

    private boolean nameEnd() {
        valueKind = VALUE_OTHER;
        if (isName(NAME_CL)) {
            if (sawContentLength) {
                return fail("more than one Content-Length");
            }
            if (sawTransferEncoding) {
                return fail("both Content-Length and Transfer-Encoding");
            }
            sawContentLength = true;
            valueKind = VALUE_CONTENT_LENGTH;
            valueDigits = 0;
        } else if (isName(NAME_TE)) {
            if (sawTransferEncoding) {
                return fail("more than one Transfer-Encoding");
            }
            if (sawContentLength) {
                return fail("both Content-Length and Transfer-Encoding");
            }
            if (versionMajor != 1 || versionMinor != 1) {
                return fail("Transfer-Encoding is only allowed on HTTP/1.1");
            }
            sawTransferEncoding = true;
            valueKind = VALUE_TRANSFER_ENCODING;
            chunkedPos = 0;
        } else if (isName(NAME_HIXIE)) {
            return fail("Sec-WebSocket-Key1 (hixie-76 WebSocket) is not supported");
        }
        return next(FIELD_VALUE);
    }

    private boolean fieldValue(int b) {
        if (b == CR) {
            return next(FIELD_LF);
        }
        switch (valueKind) {
            case VALUE_CONTENT_LENGTH:
                if (b >= '0' && b <= '9') {
                    if (++valueDigits > 18) {
                        return fail("Content-Length is too large");
                    }
                    contentLength = contentLength * 10 + (b - '0');
                    return true;
                }
                return b == ' ' && valueDigits == 0 ? true : fail("Content-Length is not a number");
            case VALUE_TRANSFER_ENCODING:
                int lower = b >= 'A' && b <= 'Z' ? b + 32 : b;
                if (chunkedPos < CHUNKED.length && lower == CHUNKED[chunkedPos]) {
                    chunkedPos++;
                    return true;
                }
                return b == ' ' && chunkedPos == 0 ? true : fail("Transfer-Encoding other than a single chunked");
            default:
                if (b == '\t' || b >= 0x20 && b != 0x7F) {
                    return true;
                }
                return fail(b == LF ? "bare LF in a field line" : "control character in a field value");
        }
    }

    private boolean fieldEnd() {
        if (valueKind == VALUE_CONTENT_LENGTH && valueDigits == 0) {
            return fail("Content-Length is empty");
        }
        if (valueKind == VALUE_TRANSFER_ENCODING && chunkedPos != CHUNKED.length) {
            return fail("Transfer-Encoding other than a single chunked");
        }
        return next(FIELD_START);
    }

    private boolean headEnd() {
        if (inTrailers) {
            messagesEnded++;
            return next(MESSAGE_START);
        }
        headsEnded++;
        if (sawTransferEncoding) {
            chunkSize = 0;
            chunkDigits = 0;
            return next(CHUNK_SIZE);
        }
        if (contentLength > 0) {
            remaining = contentLength;
            state = BODY;
            return false;
        }
        messagesEnded++;
        return next(MESSAGE_START);
    }

    private boolean chunkSize(int b) {
        int digit = HttpChars.hexValue(b);
        if (digit >= 0) {
            if (++chunkDigits > 16) {
                return fail("chunk size has too many digits");
            }
            chunkSize = chunkSize * 16 + digit;
            return chunkSize <= Integer.MAX_VALUE ? true : fail("chunk size is too large");
        }
        if (chunkDigits == 0) {
            return fail("chunk size is not hexadecimal");
        }
        if (b == ';') {
            extensionBytes++;
            return next(CHUNK_EXTENSION);
        }
        if (b == CR) {
            return next(CHUNK_SIZE_LF);
        }
        return fail("chunk size is not followed by ; or CRLF");
    }

    private boolean next(int nextState) {
        state = nextState;
        return true;
    }

    private boolean fail(String reason) {
        violation = reason;
        state = REJECTED;
        return false;
    }
}
