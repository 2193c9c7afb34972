package dev.phalanx.node.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The OCSP state of one certificate: what to ask (its {@link OcspRequests.CertId}, issuer and responder URL), the
 * response currently stapled, and the stapler's schedule. Event loops only call {@link #current()}: one volatile read
 * and a clock read, no allocation. {@link #NONE} (stapling off, or nothing to ask) never has a response.
 */
final class OcspStaple {
    /** How long a response without {@code nextUpdate} is stapled after its {@code thisUpdate}. */
    static final Duration KEEP_WITHOUT_NEXT_UPDATE = Duration.ofHours(24);
    static final OcspStaple NONE = new OcspStaple("", null, null, null, null);

    /** A stapled response and the time (epoch ms) after which it must no longer be sent. */
    record Current(byte[] der, long validUntilMillis, Instant thisUpdate, Instant nextUpdate) {
    }

    private final String name;
    private final String file;
    private final X509Certificate issuer;
    private final OcspRequests.CertId id;
    private final String url;
    private final AtomicReference<Current> current = new AtomicReference<>();
    // the stapler's schedule, touched by the stapler thread and (for cancelling) under its lock
    ScheduledFuture<?> next;
    int failures;
    volatile boolean stopped;

    /**
     * @param name the certificate's first name (metrics, logs)
     * @param file the certificate file as configured (logs)
     * @param url  the responder ({@code http://...}), or null when there is nothing to ask
     */
    OcspStaple(String name, String file, X509Certificate issuer, OcspRequests.CertId id, String url) {
        this.name = name;
        this.file = file;
        this.issuer = issuer;
        this.id = id;
        this.url = url;
    }

    /** The DER response to staple now, or null. Event-loop safe. */
    byte[] current() {
        Current c = current.get();
        return c != null && System.currentTimeMillis() < c.validUntilMillis() ? c.der() : null;
    }

    /** The stapled response with its times, or null (expired ones included, for logs). */
    Current state() {
        return current.get();
    }

    void set(OcspResponses.Good good) {
        Instant until = good.nextUpdate() != null ? good.nextUpdate()
                : good.thisUpdate().plus(KEEP_WITHOUT_NEXT_UPDATE);
        current.set(new Current(good.der(), until.toEpochMilli(), good.thisUpdate(), good.nextUpdate()));
    }

    void clear() {
        current.set(null);
    }

    /** Seconds until the stapled response may no longer be sent (NaN without one): the metrics gauge. */
    double validSeconds() {
        Current c = current.get();
        if (c == null) {
            return Double.NaN;
        }
        return Math.max(0, c.validUntilMillis() - System.currentTimeMillis()) / 1000.0;
    }

    boolean hasResponder() {
        return url != null;
    }

    String name() {
        return name;
    }

    String file() {
        return file;
    }

    X509Certificate issuer() {
        return issuer;
    }

    OcspRequests.CertId id() {
        return id;
    }

    String url() {
        return url;
    }
}
