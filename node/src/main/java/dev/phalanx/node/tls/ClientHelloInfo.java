package dev.phalanx.node.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * What the certificate choice needs from a ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2): the SNI host name and
 * whether the client can take an ECDSA certificate (it lists an ECDSA signature scheme, and offers a TLS 1.3 suite or
 * an ECDHE_ECDSA suite). Reads the handshake body (from {@code client_version} on) without consuming it; a
 * malformed hello gives no name and ECDSA (the TLS engine then rejects it properly).
 *
 * @param serverName the SNI host name, or null
 */
record ClientHelloInfo(String serverName, boolean ecdsa) {
    static final ClientHelloInfo UNKNOWN = new ClientHelloInfo(null, true);

    static ClientHelloInfo parse(ByteBuf hello) {
        try {
            return parse0(hello);
        } catch (IndexOutOfBoundsException e) {
            return UNKNOWN;
        }
    }

    private static ClientHelloInfo parse0(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        i += 2 + 32; // client_version, random
        i += 1 + in.getUnsignedByte(i); // session id
        int suitesLen = in.getUnsignedShort(i);
        i += 2;
        boolean ecdsaSuite = false;
        for (int k = 0; k + 1 < suitesLen; k += 2) {
            int s = in.getUnsignedShort(i + k);
            // TLS 1.3 suites (0x13xx) leave the certificate type to the signature schemes
            ecdsaSuite |= (s >> 8) == 0x13 || s == 0xc02b || s == 0xc02c || s == 0xcca9 || s == 0xc023
                    || s == 0xc024 || s == 0xc009 || s == 0xc00a;
        }
        i += suitesLen;
        i += 1 + in.getUnsignedByte(i); // compression methods
        if (i + 2 > end) {
            return new ClientHelloInfo(null, false); // no extensions: no ECDSA signature scheme either
        }
        int extEnd = Math.min(end, i + 2 + in.getUnsignedShort(i));
        i += 2;
        String name = null;
        boolean ecdsaScheme = false;
        while (i + 4 <= extEnd) {
            int type = in.getUnsignedShort(i);
            int len = in.getUnsignedShort(i + 2);
            int body = i + 4;
            if (type == 0 && len >= 5) { // server_name: list len, type 0 (host_name), name len, name
                int nameLen = in.getUnsignedShort(body + 3);
                if (in.getUnsignedByte(body + 2) == 0 && nameLen > 0 && body + 5 + nameLen <= end) {
                    name = in.toString(body + 5, nameLen, StandardCharsets.US_ASCII);
                }
            } else if (type == 13 && len >= 2) { // signature_algorithms
                int listLen = in.getUnsignedShort(body);
                for (int k = 0; k + 1 < listLen; k += 2) {
                    // ecdsa_secp*_sha* (0x0403, 0x0503, 0x0603) and TLS 1.2 (hash, ecdsa) pairs: low byte 3
                    ecdsaScheme |= in.getUnsignedByte(body + 2 + k + 1) == 3;
                }
            }
            i = body + len;
        }
        return new ClientHelloInfo(name, ecdsaSuite && ecdsaScheme);
    }
}
