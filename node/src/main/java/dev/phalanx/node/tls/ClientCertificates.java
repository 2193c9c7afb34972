package dev.phalanx.node.tls;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * The verified mTLS client subject of a downstream connection, set once after the handshake (RFC 2253 text, like
 * {@code CN=alice,O=Example}). Absent when the client sent no certificate. HTTP/2 stream channels read their parent's.
 */
public final class ClientCertificates {
    static final AttributeKey<String> SUBJECT = AttributeKey.valueOf("phalanx.tls.clientSubject");

    private ClientCertificates() {
    }

    /** The verified client subject of the connection, or null. */
    public static String subject(Channel channel) {
        String s = channel.attr(SUBJECT).get();
        if (s == null && channel.parent() != null) {
            s = channel.parent().attr(SUBJECT).get();
        }
        return s;
    }
}
