package dev.phalanx.node.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Picks the TLS engine: OpenSSL (BoringSSL, from netty-tcnative-boringssl-static) when its native library loads,
 * otherwise the JDK's engine, with one warning for the whole process saying why and what is lost (session-ticket keys
 * from the ring are not installed, so tickets do not outlive a listener restart and are not shared).
 */
public final class TlsEngines {
    private static final Logger LOG = Logger.getLogger(TlsEngines.class.getName());
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private TlsEngines() {
    }

    public static SslProvider provider() {
        if (OpenSsl.isAvailable() && !Boolean.getBoolean("phalanx.tls.forceJdk")) {
            return SslProvider.OPENSSL;
        }
        if (WARNED.compareAndSet(false, true)) {
            Throwable cause = OpenSsl.unavailabilityCause();
            LOG.warning("TLS: the OpenSSL (BoringSSL) engine is not available, using the slower JDK engine; session"
                    + " tickets will not use the ticket-key ring. Cause: "
                    + (cause == null ? "phalanx.tls.forceJdk is set" : cause.getMessage()));
        }
        return SslProvider.JDK;
    }

    /** {@code openssl} or {@code jdk}, for logs and the admin page. */
    public static String name() {
        return provider() == SslProvider.OPENSSL ? "openssl " + OpenSsl.versionString() : "jdk";
    }
}
