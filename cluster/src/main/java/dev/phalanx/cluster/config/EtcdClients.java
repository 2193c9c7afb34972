package dev.phalanx.cluster.config;

import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.common.exception.EtcdException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Builds the jetcd client of {@code config.etcd}: every endpoint (gRPC balances over them and reconnects with its
 * own backoff), user/password auth, and TLS with a CA file and an optional client certificate. Calls fail fast
 * while no endpoint answers ({@code waitForReady} off) instead of queueing forever: the callers retry with backoff.
 * <p>
 * This is the one class of {@code cluster} that names Netty types: jetcd takes its TLS settings as Netty's
 * {@code SslContextBuilder} (ArchitectureTest allows exactly this class).
 */
public final class EtcdClients {
    /** The largest answer accepted: a read of 10,000 routes is a few MB, well below it. */
    static final int MAX_INBOUND_BYTES = 256 * 1024 * 1024;

    private EtcdClients() {
    }

    public static Client build(EtcdConfig config) {
        ClientBuilder b = Client.builder()
                .endpoints(config.endpoints().stream().map(URI::create).toArray(URI[]::new))
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                .connectTimeout(Duration.ofSeconds(3))
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(3))
                .waitForReady(false)
                .retryDelay(100)
                .retryMaxDelay(1000)
                .retryMaxAttempts(2)
                .retryMaxDuration(Duration.ofSeconds(3));
        if (config.user() != null) {
            b.user(ByteSequence.from(config.user(), StandardCharsets.UTF_8))
                    .password(ByteSequence.from(config.password(), StandardCharsets.UTF_8));
        }
        boolean tls = config.endpoints().stream().anyMatch(e -> e.startsWith("https:"))
                || config.caFile() != null || config.certFile() != null;
        if (tls) {
            try {
                b.sslContext(ssl -> {
                    if (config.caFile() != null) {
                        ssl.trustManager(config.caFile().toFile());
                    }
                    if (config.certFile() != null) {
                        ssl.keyManager(config.certFile().toFile(), config.keyFile().toFile());
                    }
                });
            } catch (SSLException | RuntimeException e) {
                throw new IllegalArgumentException("config.etcd: cannot set up TLS to etcd: " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    /** A short operator-facing description of why an etcd call failed. */
    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t.getCause() != null && t.getMessage() == null)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException) {
            return "no answer in time";
        }
        String text = String.valueOf(t.getMessage());
        if (text.contains("UNAUTHENTICATED") || text.contains("authentication failed")) {
            return "etcd refused the user and password (authentication failed; check config.etcd.user/password)";
        }
        if (text.contains("PERMISSION_DENIED") || text.contains("permission denied")) {
            return "etcd denied access (the user's role needs readwrite on the prefix)";
        }
        if (t instanceof EtcdException ee) {
            return ee.getErrorCode() + ": " + ee.getMessage();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
