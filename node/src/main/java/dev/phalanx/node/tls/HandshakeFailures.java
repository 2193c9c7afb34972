package dev.phalanx.node.tls;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Sorts a failed handshake into a small fixed set of reasons for {@code phalanx_tls_handshake_failures_total{reason}}:
 * {@code protocol} (TLS version not enabled, like TLS 1.1), {@code cipher} (no shared cipher suite),
 * {@code client-cert-missing}, {@code client-cert-rejected}, {@code peer-rejected-cert} (the client refused the
 * server certificate), {@code not-tls} (plain HTTP or garbage on a TLS port), {@code timeout}, {@code closed} (the
 * peer went away mid-handshake) and {@code other}.
 */
public final class HandshakeFailures {
    private HandshakeFailures() {
    }

    public static String reason(Throwable cause) {
        Throwable c = cause;
        while (c instanceof DecoderException && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof NotSslRecordException) {
            return "not-tls";
        }
        if (c instanceof SslHandshakeTimeoutException) {
            return "timeout";
        }
        if (c instanceof ClosedChannelException) {
            return "closed";
        }
        StringBuilder text = new StringBuilder();
        for (Throwable t = c; t != null && text.length() < 4096; t = t.getCause() == t ? null : t.getCause()) {
            text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
        }
        String m = text.toString().toUpperCase(Locale.ROOT);
        if (m.contains("UNSUPPORTED_PROTOCOL") || m.contains("PROTOCOL_VERSION") || m.contains("VERSION_TOO_LOW")) {
            return "protocol";
        }
        if (m.contains("NO_SHARED_CIPHER") || m.contains("NO_CIPHERS") || m.contains("NO SHARED CIPHER")) {
            return "cipher";
        }
        if (m.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || m.contains("CERTIFICATE_REQUIRED")
                || m.contains("NULL CERT CHAIN")) {
            return "client-cert-missing";
        }
        if (m.contains("CERTIFICATE_VERIFY_FAILED") || m.contains("UNKNOWN_CA") && !m.contains("ALERT")
                || m.contains("CERTIFICATEEXCEPTION") || m.contains("VALIDATOREXCEPTION")
                || m.contains("CERTPATHVALIDATOREXCEPTION")) {
            return "client-cert-rejected";
        }
        if (m.contains("ALERT_BAD_CERTIFICATE") || m.contains("ALERT_UNKNOWN_CA")
                || m.contains("ALERT_CERTIFICATE")) {
            return "peer-rejected-cert";
        }
        if (m.contains("CLOSED") || m.contains("RESET") || m.contains("BROKEN PIPE")) {
            return "closed";
        }
        return "other";
    }
}
