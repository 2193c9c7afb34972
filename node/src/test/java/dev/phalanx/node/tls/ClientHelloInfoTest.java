package dev.phalanx.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The ClientHello facts that pick between an RSA and an ECDSA certificate, on hand-built hellos. */
class ClientHelloInfoTest {
    private static final int[] ECDSA_SCHEMES = {0x0403, 0x0804};
    private static final int[] RSA_SCHEMES = {0x0804, 0x0401};

    /** A ClientHello body (from client_version on) with the given suites, SNI, versions and schemes. */
    static ByteBuf hello(int[] suites, String sni, int[] versions, int[] schemes) {
        ByteBuf b = Unpooled.buffer();
        b.writeShort(0x0303).writeZero(32).writeByte(0);
        b.writeShort(suites.length * 2);
        for (int s : suites) {
            b.writeShort(s);
        }
        b.writeByte(1).writeByte(0);
        ByteBuf ext = Unpooled.buffer();
        if (sni != null) {
            byte[] n = sni.getBytes(StandardCharsets.US_ASCII);
            ext.writeShort(0).writeShort(n.length + 5).writeShort(n.length + 3).writeByte(0).writeShort(n.length)
                    .writeBytes(n);
        }
        if (versions != null) {
            ext.writeShort(43).writeShort(1 + versions.length * 2).writeByte(versions.length * 2);
            for (int v : versions) {
                ext.writeShort(v);
            }
        }
        if (schemes != null) {
            ext.writeShort(13).writeShort(2 + schemes.length * 2).writeShort(schemes.length * 2);
            for (int s : schemes) {
                ext.writeShort(s);
            }
        }
        b.writeShort(ext.readableBytes()).writeBytes(ext);
        ext.release();
        return b;
    }

    static ClientHelloInfo parse(ByteBuf b) {
        try {
            return ClientHelloInfo.parse(b);
        } finally {
            b.release();
        }
    }

    @Test
    void statusRequestExtensionIsSeen() {
        ByteBuf plain = hello(new int[]{0x1301}, "a.test", new int[]{0x0304}, ECDSA_SCHEMES);
        assertFalse(parse(plain).statusRequest());
        // the same hello with status_request (type 5: ocsp, empty responder list, empty extensions) appended
        ByteBuf b = hello(new int[]{0x1301}, "a.test", new int[]{0x0304}, ECDSA_SCHEMES);
        int extLenAt = 2 + 32 + 1 + 2 + 2 + 2;
        b.setShort(extLenAt, b.getUnsignedShort(extLenAt) + 9);
        b.writeShort(5).writeShort(5).writeByte(1).writeShort(0).writeShort(0);
        ClientHelloInfo h = parse(b);
        assertTrue(h.statusRequest());
        assertEquals("a.test", h.serverName());
    }

    @Test
    void tls13ClientWithEcdsaSchemesTakesEcdsa() {
        ClientHelloInfo h = parse(hello(new int[]{0x1301, 0xc02f}, "A.Test", new int[]{0x0304, 0x0303},
                ECDSA_SCHEMES));
        assertEquals("A.Test", h.serverName());
        assertTrue(h.takesEcdsa(true));
        assertFalse(h.takesEcdsa(false), "TLS 1.2 only listener: no ECDSA suite offered for TLS 1.2");
    }

    @Test
    void tls13SuitesWithoutTls13InSupportedVersionsDoNotCount() {
        ClientHelloInfo h = parse(hello(new int[]{0x1301, 0xc02f}, null, null, ECDSA_SCHEMES));
        assertNull(h.serverName());
        assertFalse(h.takesEcdsa(true));
    }

    @Test
    void onlyEnabledEcdsaSuitesCount() {
        // ECDHE-ECDSA-AES128-SHA (CBC, not enabled) next to ECDHE-RSA-AES128-GCM: the RSA certificate must serve
        assertFalse(parse(hello(new int[]{0xc009, 0xc02f}, null, null, ECDSA_SCHEMES)).takesEcdsa(true));
        assertTrue(parse(hello(new int[]{0xc02b, 0xc02f}, null, null, ECDSA_SCHEMES)).takesEcdsa(true));
    }

    @Test
    void noEcdsaSchemeMeansRsa() {
        assertFalse(parse(hello(new int[]{0x1301, 0xc02b}, null, new int[]{0x0304}, RSA_SCHEMES)).takesEcdsa(true));
    }

    @Test
    void truncatedHelloGivesNoNameAndLetsTheEngineDecide() {
        ByteBuf full = hello(new int[]{0x1301}, "a.test", new int[]{0x0304}, ECDSA_SCHEMES);
        ByteBuf cut = full.retainedSlice(0, 20);
        full.release();
        ClientHelloInfo h = parse(cut);
        assertNull(h.serverName());
        assertTrue(h.takesEcdsa(true));
    }
}
