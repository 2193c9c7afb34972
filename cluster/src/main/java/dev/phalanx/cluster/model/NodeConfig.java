package dev.phalanx.cluster.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The node's own configuration (the YAML given with {@code --config}); see docs/contract.md#node-configuration.
 * Every nested record is
 * non-null except {@code grid} (absent = single node) and a listener's {@code tls}.
 */
public record NodeConfig(NodeSection node, List<ListenerConfig> listeners, List<Cidr> trustedProxies,
                         AdminConfig admin, SourceConfig config, GridConfig grid, TicketsConfig tickets,
                         LimitsConfig limits, UpstreamConfig upstream, boolean forwarded, String accessLog,
                         DrainConfig drain, CacheConfig cache) {

    /**
     * The node's response cache (docs/cache.md): at most {@code maxBytes} of stored objects (bodies, their
     * compressed variants and headers) on this node, shared by every route that turns its cache on; 0 = no cache
     * on this node whatever the routes say.
     */
    public record CacheConfig(long maxBytes) {
        public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
    }

    /** {@code workerThreads} 0 = one event loop per core. */
    public record NodeSection(String id, Path stateDir, int workerThreads) {
    }

    /**
     * A downstream listener; {@code tls} null = plain HTTP.
     *
     * @param h2c           plain listeners: also accept HTTP/2 with prior knowledge (told from HTTP/1.1 by its
     *                      preface)
     * @param ipTransparent set IP_TRANSPARENT on the listening socket (Linux, needs CAP_NET_ADMIN): its connections
     *                      can still send from a VIP that keepalived has just removed, so a response in progress
     *                      when the VIP moves still reaches the client
     * @param reusePort     set SO_REUSEPORT (Linux, epoll), so a second process of the same node can bind the same
     *                      address for an in-place upgrade (docs/upgrade.md)
     */
    public record ListenerConfig(String name, HostPort bind, boolean proxyProtocol, TlsConfig tls, boolean h2c,
                                 boolean ipTransparent, boolean reusePort) {
        public ListenerConfig(String name, HostPort bind, boolean proxyProtocol, TlsConfig tls) {
            this(name, bind, proxyProtocol, tls, false, false, false);
        }

        public ListenerConfig(String name, HostPort bind, boolean proxyProtocol, TlsConfig tls, boolean h2c,
                              boolean ipTransparent) {
            this(name, bind, proxyProtocol, tls, h2c, ipTransparent, false);
        }
    }

    /**
     * TLS of a listener. The first certificate is the default one. {@code hsts}: the Strict-Transport-Security value
     * added to every response of the listener, or null (none). {@code ocspStapling}: fetch each certificate's OCSP
     * response from its CA's responder and staple it (default true). {@code rsaSigner}: who signs handshakes with
     * RSA keys, one of {@link #RSA_SIGNERS}: {@code auto} (the system's libcrypto through the node's shim when it
     * loads, else BoringSSL), {@code libcrypto} (the shim or the listener does not start), {@code boringssl}.
     */
    public record TlsConfig(List<CertificateConfig> certificates, List<String> protocols, String clientAuth,
                            Path clientCaFile, boolean http2, String hsts, boolean ocspStapling, String rsaSigner) {
        public static final List<String> RSA_SIGNERS = List.of("auto", "libcrypto", "boringssl");
    }

    public record CertificateConfig(Path certFile, Path keyFile) {
    }

    /**
     * Admin HTTP: bind address and bearer token ("" = none; required when bind is not loopback). {@code reusePort}:
     * SO_REUSEPORT on the admin port, so the new process of an in-place upgrade answers on it too.
     */
    public record AdminConfig(HostPort bind, String token, boolean reusePort) {
        public AdminConfig(HostPort bind, String token) {
            this(bind, token, false);
        }
    }

    /** Exactly one of {@code file} and {@code etcd} is non-null. */
    public record SourceConfig(Path file, EtcdConfig etcd) {
    }

    public record EtcdConfig(List<String> endpoints, String prefix, String user, String password, Path caFile,
                             Path certFile, Path keyFile) {
    }

    /**
     * The embedded grid member.
     *
     * @param logLevel what the grid library itself logs ({@code debug|info|warn|error|off}): its banner, member lists
     *                 and partition notices are INFO; the node's own grid messages are not affected
     * @param portCount how many ports from {@code bind}'s port up a member may take (the first free one), and at
     *                  which ports of each of {@code members} to look for one: 2 lets the new process of an
     *                  in-place upgrade join next to the old one (docs/upgrade.md); 1 to 4
     */
    public record GridConfig(String clusterName, HostPort bind, List<HostPort> members, Path secretFile,
                             String logLevel, int portCount) {
        public GridConfig(String clusterName, HostPort bind, List<HostPort> members, Path secretFile) {
            this(clusterName, bind, members, secretFile, "info", 1);
        }

        public GridConfig(String clusterName, HostPort bind, List<HostPort> members, Path secretFile,
                          String logLevel) {
            this(clusterName, bind, members, secretFile, logLevel, 1);
        }
    }

    public record TicketsConfig(Duration rotateEvery) {
    }

    /**
     * Downstream limits: header block size (431), body size (413), idle keep-alive and drain time, and the slow-client
     * rules: a request head must arrive whole within {@code requestHeadTimeout} (408, then close), and a request body
     * must bring at least {@code requestBodyMinRate} bytes per second over every {@code requestBodyRateWindow} of
     * reading ({@code 0} turns the body rule off).
     */
    public record LimitsConfig(int maxHeaderBytes, long maxBodyBytes, Duration idleTimeout, Duration drainTimeout,
                               int maxConnections, Duration websocketIdleTimeout, Duration requestHeadTimeout,
                               long requestBodyMinRate, Duration requestBodyRateWindow) {
        public static final Duration DEFAULT_REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(10);
        public static final long DEFAULT_REQUEST_BODY_MIN_RATE = 240;
        public static final Duration DEFAULT_REQUEST_BODY_RATE_WINDOW = Duration.ofSeconds(10);
    }

    /**
     * The phases of a graceful drain (all bounded by {@code limits.drainTimeout}): {@code closing} (VIPs stay, every
     * response says {@code Connection: close}, a keep-alive connection seen idle for {@code idleCloseGrace} is closed;
     * at most {@code closingMax}), {@code releasing} (/healthz 503; wait until every VRRP instance reported MASTER
     * reported something else, at most {@code vipReleaseTimeout}, then keep accepting {@code acceptGrace} more; with
     * no VRRP report ever received, wait {@code releaseGrace} instead), then {@code finishing}.
     */
    public record DrainConfig(Duration idleCloseGrace, Duration closingMax, Duration vipReleaseTimeout,
                              Duration acceptGrace, Duration releaseGrace) {
    }

    /**
     * Upstream connection pooling: idle pooled connections kept per endpoint and event loop, how long one may idle,
     * and the retry budget (retries may add at most {@code retryBudgetPercent} of recent requests, but at least
     * {@code retryBudgetMin} per second).
     */
    public record UpstreamConfig(int maxIdlePerEndpoint, Duration poolIdleTimeout, int retryBudgetPercent,
                                 int retryBudgetMinPerSecond) {
    }
}
