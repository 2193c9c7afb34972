package dev.phalanx.node.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * What the certificate choice needs from a ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2): the SNI host name and
 * whether the client can take an ECDSA certificate. Reads the handshake body (from {@code client_version} on) without
 * consuming it; a malformed hello gives no name and ECDSA (the TLS engine then rejects it properly).
 *
 * @param serverName   the SNI host name, or null
 * @param tls13        the client offers TLS 1.3 (supported_versions lists it and a TLS 1.3 suite is offered)
 * @param ecdsaScheme  the client lists an ECDSA signature scheme
 * @param ecdsaSuite12 the client offers an ECDHE_ECDSA suite for TLS 1.2
 * @param statusRequest the client asks for a stapled OCSP response (status_request, RFC 6066 8)
 */
record ClientHelloInfo(String serverName, boolean tls13, boolean ecdsaScheme, boolean ecdsaSuite12,
                       boolean statusRequest) {
    static final ClientHelloInfo UNKNOWN = new ClientHelloInfo(null, true, true, true, true);

    /** This hello with another server name. */
    ClientHelloInfo withName(String name) {
        return new ClientHelloInfo(name, tls13, ecdsaScheme, ecdsaSuite12, statusRequest);
    }

    /** Whether an ECDSA certificate works for this client, given whether the listener enables TLS 1.3. */
    boolean takesEcdsa(boolean tls13Enabled) {
        return ecdsaScheme && (tls13Enabled && tls13 || ecdsaSuite12);
    }

    static ClientHelloInfo parse(ByteBuf hello) {
        try {
            return parse0(hello);
        } catch (IndexOutOfBoundsException e) {
            return UNKNOWN;
        }
    }

    private static int within(int index, int end) {
        if (index >= end) {
            throw new IndexOutOfBoundsException(index);
        }
        return index;
    }

    /** Reads only between readerIndex and writerIndex: get methods check capacity, not the written end. */
    private static ClientHelloInfo parse0(ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        i += 2 + 32; // client_version, random
        i += 1 + in.getUnsignedByte(within(i, end)); // session id
        int suitesLen = in.getUnsignedShort(within(i + 1, end) - 1);
        i += 2;
        boolean ecdsaSuite = false;
        boolean tls13Suite = false;
        for (int k = 0; k + 1 < suitesLen && i + k + 1 < end; k += 2) {
            int s = in.getUnsignedShort(i + k);
            // TLS 1.3 suites (0x13xx) leave the certificate type to the signature schemes
            tls13Suite |= (s >> 8) == 0x13;
            // only the ECDHE_ECDSA suites a listener enables (CipherSuites.MODERN): AES-GCM and ChaCha20-Poly1305
            ecdsaSuite |= s == 0xc02b || s == 0xc02c || s == 0xcca9;
        }
        i += suitesLen;
        i += 1 + in.getUnsignedByte(within(i, end)); // compression methods
        if (i + 2 > end) {
            return new ClientHelloInfo(null, false, ecdsaSuite, ecdsaSuite, false); // no extensions: TLS 1.2 at most
        }
        int extEnd = Math.min(end, i + 2 + in.getUnsignedShort(i));
        i += 2;
        String name = null;
        boolean ecdsaScheme = false;
        boolean tls13 = false;
        boolean sawSigAlgs = false;
        boolean statusRequest = false;
        while (i + 4 <= extEnd) {
            int type = in.getUnsignedShort(i);
            int len = in.getUnsignedShort(i + 2);
            int body = i + 4;
            if (type == 0 && len >= 5) { // server_name: list len, type 0 (host_name), name len, name
                int nameLen = in.getUnsignedShort(body + 3);
                if (in.getUnsignedByte(body + 2) == 0 && nameLen > 0 && body + 5 + nameLen <= end) {
                    name = in.toString(body + 5, nameLen, StandardCharsets.US_ASCII);
                }
            } else if (type == 5) { // status_request
                statusRequest = true;
            } else if (type == 43 && len >= 1) { // supported_versions: list len (1 byte), versions
                int listLen = in.getUnsignedByte(body);
                for (int k = 0; k + 1 < listLen && body + 2 + k < end; k += 2) {
                    tls13 |= in.getUnsignedShort(body + 1 + k) == 0x0304;
                }
            } else if (type == 13 && len >= 2) { // signature_algorithms
                sawSigAlgs = true;
                int listLen = in.getUnsignedShort(body);
                for (int k = 0; k + 1 < listLen && body + 3 + k < end; k += 2) {
                    // ecdsa_secp*_sha* (0x0403, 0x0503, 0x0603) and TLS 1.2 (hash, ecdsa) pairs: low byte 3
                    ecdsaScheme |= in.getUnsignedByte(body + 2 + k + 1) == 3;
                }
            }
            i = body + len;
        }
        // TLS 1.2 without the extension assumes SHA-1 with the suite's own algorithm (RFC 5246 7.4.1.4.1)
        return new ClientHelloInfo(name, tls13 && tls13Suite, ecdsaScheme || ecdsaSuite && !sawSigAlgs, ecdsaSuite,
                statusRequest);
    }
}
