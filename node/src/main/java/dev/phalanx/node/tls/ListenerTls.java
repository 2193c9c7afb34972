package dev.phalanx.node.tls;

import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.model.PemFiles;
import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.TicketKey;
import dev.phalanx.cluster.state.TicketKeyRing;
import dev.phalanx.node.metrics.Meters;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslPrivateKeyMethod;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The TLS side of one listener: its SNI table of server contexts (swapped atomically when certificate files change),
 * the ticket keys installed into every context from the {@link TicketKeyRing}, and the certificate expiry gauges.
 * Loading and reloading run off the event loops (start-up thread, the {@link CertificateWatcher} thread, the ring's
 * thread); event loops only read the current table.
 */
public final class ListenerTls implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ListenerTls.class.getName());
    /** ALPN with {@code tls.http2: true}: h2 preferred, http/1.1 for the others (clients without ALPN get HTTP/1.1). */
    static final List<String> ALPN_H2 = List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    static final List<String> ALPN_HTTP1 = List.of(ApplicationProtocolNames.HTTP_1_1);

    private final String listener;
    private final NodeConfig.TlsConfig config;
    private final TicketKeyRing ring;
    private final Meters meters;
    private final long sessionTimeoutSeconds;
    private final SslProvider provider = TlsEngines.provider();
    private final boolean tls13Enabled;
    private final boolean stapling;
    private final AtomicReference<SniTable> table = new AtomicReference<>();
    private OcspStapler stapler;
    private RsaSigning rsa;
    private final List<CertificateWatcher.FileState> watched = new ArrayList<>();
    private HealthBoard.Registration ringRegistration;

    public ListenerTls(String listener, NodeConfig.TlsConfig config, TicketKeyRing ring, Duration rotateEvery,
                       Meters meters) {
        this.listener = listener;
        this.config = config;
        this.ring = ring;
        this.meters = meters;
        this.sessionTimeoutSeconds = Math.max(60, rotateEvery.toSeconds());
        this.tls13Enabled = config.protocols().contains("TLSv1.3");
        this.stapling = config.ocspStapling() && provider == SslProvider.OPENSSL;
    }

    /**
     * Reads every certificate and builds the contexts; throws {@link IllegalArgumentException} with a
     * {@code listeners[NAME].tls...: problem} message when a file is unusable.
     */
    public synchronized void start() {
        for (NodeConfig.CertificateConfig c : config.certificates()) {
            watched.add(new CertificateWatcher.FileState(c.certFile()));
            watched.add(new CertificateWatcher.FileState(c.keyFile()));
        }
        if (config.ocspStapling() && !stapling) {
            LOG.warning("listener " + listener + ": OCSP stapling needs the OpenSSL engine; with the JDK engine no"
                    + " OCSP response is stapled");
        }
        if (stapling) {
            stapler = new OcspStapler(listener, meters);
        }
        try {
            rsa = new RsaSigning("listeners[" + listener + "].tls.rsaSigner", config.rsaSigner(), provider, meters);
            publish(load());
            if (table.get().certificates().stream().anyMatch(c -> "RSA".equals(c.keyType()))) {
                LOG.info("listener " + listener + ": RSA handshakes signed by " + rsa.signer());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        ringRegistration = ring.onChange(keys -> installTicketKeys());
    }

    /** Called by the watcher thread: reloads when a file's content changed; a bad new file keeps the old table. */
    synchronized void reloadIfChanged() {
        boolean changed = false;
        for (CertificateWatcher.FileState f : watched) {
            changed |= f.poll();
        }
        if (!changed) {
            return;
        }
        try {
            SniTable t = load();
            publish(t);
            LOG.info("listener " + listener + ": certificates reloaded (" + describe(t) + ")");
        } catch (RuntimeException e) {
            // half-written files (cert renewed, key not yet): the next change tries again
            LOG.warning("listener " + listener + ": certificates not reloaded, the previous ones stay in use: "
                    + e.getMessage());
        }
    }

    private SniTable load() {
        rsa.discard(); // left from a load whose table was not published
        String base = "listeners[" + listener + "].tls.";
        List<LoadedCertificate> certs = new ArrayList<>();
        for (int i = 0; i < config.certificates().size(); i++) {
            certs.add(LoadedCertificate.load(base + "certificates[" + i + "]", config.certificates().get(i)));
        }
        X509Certificate[] trust = null;
        if (config.clientCaFile() != null) {
            try {
                trust = PemFiles.certificates(config.clientCaFile()).toArray(X509Certificate[]::new);
            } catch (IOException e) {
                throw new IllegalArgumentException(base + "clientCaFile: " + config.clientCaFile() + " "
                        + e.getMessage());
            }
        }
        X509Certificate[] clientCa = trust;
        List<OcspStaple> staples = stapler != null ? stapler.prepare(certs)
                : java.util.Collections.nCopies(certs.size(), OcspStaple.NONE);
        try {
            return SniTable.build(certs, staples, cert -> context(cert, clientCa));
        } catch (RuntimeException e) {
            rsa.discard();
            throw e;
        }
    }

    private SslContext context(LoadedCertificate cert, X509Certificate[] clientCa) {
        try {
            OpenSslPrivateKeyMethod signer = rsa.methodFor(cert);
            SslContextBuilder b = (signer == null ? SslContextBuilder.forServer(cert.key(), cert.chain())
                    // the chain without its key: then netty-tcnative has BoringSSL call the method to sign
                    : SslContextBuilder.forServer(new KeyManagerFactoryWrapper(
                            new KeylessKeyManager(cert.chain(), cert.keyType())))
                            .option(OpenSslContextOption.PRIVATE_KEY_METHOD, signer))
                    .sslProvider(provider)
                    .protocols(config.protocols())
                    .ciphers(CipherSuites.MODERN, SupportedCipherSuiteFilter.INSTANCE)
                    .sessionTimeout(sessionTimeoutSeconds)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            config.http2() ? ALPN_H2 : ALPN_HTTP1))
                    .enableOcsp(stapling);
            switch (config.clientAuth()) {
                case "require" -> b.clientAuth(ClientAuth.REQUIRE).trustManager(clientCa);
                case "optional" -> b.clientAuth(ClientAuth.OPTIONAL).trustManager(clientCa);
                default -> b.clientAuth(ClientAuth.NONE);
            }
            return b.build();
        } catch (IOException e) {
            throw new IllegalArgumentException(cert.path() + ": cannot be used for TLS: " + e.getMessage(), e);
        }
    }

    private void publish(SniTable t) {
        installTicketKeys(t, ring.keys());
        table.set(t);
        rsa.commit();
        if (stapler != null) {
            stapler.commit(t.certificates(), t.staples());
        }
        Map<String, Supplier<Number>> expiry = new LinkedHashMap<>();
        for (LoadedCertificate c : t.certificates()) {
            long seconds = c.notAfter().getEpochSecond();
            expiry.putIfAbsent(c.primaryName() + "|" + c.keyType().toLowerCase(java.util.Locale.ROOT),
                    () -> seconds);
        }
        meters.registerCertificates(listener, expiry);
    }

    private synchronized void installTicketKeys() {
        SniTable t = table.get();
        if (t != null) {
            installTicketKeys(t, ring.keys());
        }
    }

    private void installTicketKeys(SniTable t, List<TicketKey> keys) {
        if (provider != SslProvider.OPENSSL || keys.isEmpty()) {
            return;
        }
        OpenSslSessionTicketKey[] k = new OpenSslSessionTicketKey[keys.size()];
        for (int i = 0; i < k.length; i++) {
            TicketKey key = keys.get(i);
            k[i] = new OpenSslSessionTicketKey(key.name(), key.hmacKey(), key.aesKey());
        }
        for (SslContext c : t.contexts()) {
            if (c.sessionContext() instanceof OpenSslSessionContext s) {
                s.setTicketKeys(k);
            }
        }
    }

    /** The current context (and OCSP staple) for a ClientHello; event-loop safe. */
    SniTable.Entry select(ClientHelloInfo hello) {
        return table.get().select(hello.serverName(), hello.takesEcdsa(tls13Enabled));
    }

    /** A new SNI handler for one connection; it replaces itself with the TLS handler named {@code name}. */
    public TlsSniHandler newHandler(String name) {
        return new TlsSniHandler(this::select, name);
    }

    public String listener() {
        return listener;
    }

    private static String describe(SniTable t) {
        StringBuilder sb = new StringBuilder();
        for (LoadedCertificate c : t.certificates()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(c.primaryName()).append(' ').append(c.keyType())
                    .append(" until ").append(c.notAfter());
        }
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        if (ringRegistration != null) {
            ringRegistration.close();
        }
        if (stapler != null) {
            stapler.close();
            stapler = null;
        }
        if (rsa != null) {
            rsa.close();
        }
        meters.registerCertificates(listener, Map.of());
    }
}
