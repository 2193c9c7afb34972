package dev.phalanx.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The one place that names every meter, its unit and its tags. Tags are bounded: route ids, pool ids and endpoint
 * addresses come from config, status codes are three digits, never a raw path or client address. Requests with no
 * route are counted under route {@code "-"}.
 *
 * <p>Prometheus names (docs/contract.md#metrics): {@code phalanx_requests_total{route,code}},
 * {@code phalanx_request_duration_seconds{route}} (histogram), {@code phalanx_upstream_connections{pool}},
 * {@code phalanx_endpoint_up{pool,endpoint}}, {@code phalanx_config_revision}, {@code phalanx_config_errors},
 * {@code phalanx_ratelimit_rejected_total{route}}, {@code phalanx_tls_handshakes_total{resumed}},
 * {@code phalanx_grid_members}, {@code phalanx_compression_responses_total{route,encoding}},
 * {@code phalanx_compression_in_bytes_total{route,encoding}}, {@code phalanx_compression_out_bytes_total{route,encoding}};
 * and more below.
 */
public final class Meters {
    public static final String NO_ROUTE = "-";

    private final PrometheusMeterRegistry registry;
    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> poolMeters = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> certificateMeters = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> ocspMeters = new ConcurrentHashMap<>();
    private final Counter tlsFull;
    private final Counter tlsResumed;
    private final Map<String, Counter> rateLimitRejected = new ConcurrentHashMap<>();
    /** Per "route encoding": responses, body bytes before and after compression. */
    private final Map<String, Counter[]> compression = new ConcurrentHashMap<>();
    private final Map<String, Counter[]> cacheResults = new ConcurrentHashMap<>();
    private final Counter cacheEvictions;

    public Meters() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public Meters(PrometheusMeterRegistry registry) {
        this.registry = registry;
        this.tlsFull = registry.counter("phalanx.tls.handshakes", "resumed", "false");
        this.tlsResumed = registry.counter("phalanx.tls.handshakes", "resumed", "true");
        this.cacheEvictions = registry.counter("phalanx.cache.evictions");
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** Per-route request meters, cached: call once per request, then {@link RouteMeters#record}. */
    public RouteMeters route(String routeId) {
        RouteMeters m = routes.get(routeId);
        return m != null ? m : routes.computeIfAbsent(routeId, id -> new RouteMeters(registry, id));
    }

    /**
     * A response whose body went downstream compressed with {@code encoding} ({@code gzip}, {@code br}, {@code zstd}):
     * {@code in} body bytes from the upstream became {@code out} bytes to the client.
     */
    public void compressed(String routeId, String encoding, long in, long out) {
        Counter[] c = compression.get(routeId + ' ' + encoding);
        if (c == null) {
            c = compression.computeIfAbsent(routeId + ' ' + encoding, k -> new Counter[] {
                registry.counter("phalanx.compression.responses", "route", routeId, "encoding", encoding),
                Counter.builder("phalanx.compression.in").baseUnit("bytes").tags("route", routeId, "encoding", encoding)
                        .description("response body bytes before compression").register(registry),
                Counter.builder("phalanx.compression.out").baseUnit("bytes").tags("route", routeId, "encoding", encoding)
                        .description("response body bytes after compression").register(registry)});
        }
        c[0].increment();
        c[1].increment(in);
        c[2].increment(out);
    }

    /**
     * {@code phalanx_cache_requests_total{route,result}}: requests of a route with a cache, by what the cache did:
     * {@code hit}, {@code miss}, {@code stale} (served stale: while revalidating, or instead of an error),
     * {@code revalidated} (a 304 upstream renewed the stored object), {@code coalesced} (answered from another
     * request's response after waiting for it), {@code bypass} (not answerable from the cache: method, only-if-cached
     * misses, too large...).
     */
    public void cacheResult(String routeId, String result) {
        int i = CACHE_RESULTS.indexOf(result);
        Counter[] byResult = cacheResults.get(routeId);
        if (byResult == null) {
            byResult = cacheResults.computeIfAbsent(routeId, id -> new Counter[CACHE_RESULTS.size()]);
        }
        Counter c = byResult[i];
        if (c == null) { // a benign race: the registry hands both threads the same counter
            c = byResult[i] = registry.counter("phalanx.cache.requests", "route", routeId, "result", result);
        }
        c.increment();
    }

    /** The results {@link #cacheResult} counts. */
    public static final List<String> CACHE_RESULTS = List.of("hit", "miss", "stale-miss", "revalidated", "stale",
            "coalesced", "refresh", "bypass");

    /** {@code phalanx_cache_evictions_total}: objects the store dropped to stay within {@code cache.maxBytes}. */
    public void cacheEvicted() {
        cacheEvictions.increment();
    }

    /** {@code phalanx_cache_stored_bytes} and {@code phalanx_cache_objects}: what the node's store holds now. */
    public <T> void cacheStore(T store, ToDoubleFunction<T> bytes, ToDoubleFunction<T> objects) {
        gauge("phalanx.cache.stored.bytes", "bytes of responses held by the cache", store, bytes);
        gauge("phalanx.cache.objects", "objects (and vary markers) held by the cache", store, objects);
    }

    public void rateLimited(String routeId) {
        Counter c = rateLimitRejected.get(routeId);
        if (c == null) {
            c = rateLimitRejected.computeIfAbsent(routeId,
                    id -> registry.counter("phalanx.ratelimit.rejected", "route", id));
        }
        c.increment();
    }

    /** {@code phalanx_ratelimit_leases_total}: lease calls this node made to its quota service. */
    public Counter rateLimitLeases() {
        return registry.counter("phalanx.ratelimit.leases");
    }

    /**
     * {@code phalanx_ratelimit_degraded} (1 while limits are granted from the local fallback share because the grid
     * is unreachable, else 0) and {@code phalanx_ratelimit_keys} (limit keys tracked on this node).
     */
    public <T> void rateLimiter(T limiter, ToDoubleFunction<T> degraded, ToDoubleFunction<T> keys) {
        gauge("phalanx.ratelimit.degraded", "1 while rate limits use the local fallback share (grid unreachable)",
                limiter, degraded);
        gauge("phalanx.ratelimit.keys", "rate-limit keys tracked on this node", limiter, keys);
    }

    /** Downstream connections refused or closed early, by reason (max-connections, idle, draining...). */
    public void downstreamClosed(String reason) {
        registry.counter("phalanx.downstream.closed", "reason", reason).increment();
    }

    /** HTTP/2 streams the node reset while the connection lives on, by reason (request-body-rate). */
    public void downstreamStreamReset(String reason) {
        registry.counter("phalanx.downstream.streams.reset", "reason", reason).increment();
    }

    /** Requests rejected before routing (bad request, header too large...), by status code. */
    public void rejected(int status) {
        route(NO_ROUTE).count(status);
    }

    public void upstreamRetry(String poolId) {
        registry.counter("phalanx.upstream.retries", "pool", poolId).increment();
    }

    public void retryBudgetExhausted(String poolId) {
        registry.counter("phalanx.upstream.retry.budget.exhausted", "pool", poolId).increment();
    }

    /** {@code phalanx_tls_handshakes_total{resumed}}: completed downstream TLS handshakes. */
    public void tlsHandshake(boolean resumed) {
        (resumed ? tlsResumed : tlsFull).increment();
    }

    /**
     * {@code phalanx_tls_rsa_signatures_total{signer}}: handshake signatures with RSA certificates made by the node's
     * libcrypto shim ({@code libcrypto}) or by the JDK in its place ({@code jdk}); those BoringSSL makes itself (the
     * shim not loaded, or {@code rsaSigner: boringssl}) are not counted.
     */
    public Counter tlsRsaSignatures(String signer) {
        return Counter.builder("phalanx.tls.rsa.signatures").tag("signer", signer)
                .description("TLS handshake signatures with RSA keys, by signer").register(registry);
    }

    /**
     * {@code phalanx_tls_handshake_failures_total{reason}}; reasons are a fixed set ({@code protocol}, {@code cipher},
     * {@code client-cert-missing}, {@code client-cert-rejected}, {@code peer-rejected-cert}, {@code not-tls},
     * {@code timeout}, {@code closed}, {@code other}).
     */
    public void tlsHandshakeFailed(String reason) {
        registry.counter("phalanx.tls.handshake.failures", "reason", reason).increment();
    }

    /**
     * {@code phalanx_tls_certificate_expiry_seconds{listener,name,key}}: the notAfter time (Unix seconds) of each
     * certificate of a listener, by its first name and key type; replaces the listener's previous gauges.
     *
     * @param expiry {@code name|keyType} to a supplier of the expiry time
     */
    public void registerCertificates(String listener, Map<String, Supplier<Number>> expiry) {
        List<Meter> old = certificateMeters.remove(listener);
        if (old != null) {
            old.forEach(registry::remove);
        }
        List<Meter> meters = new ArrayList<>();
        expiry.forEach((nameAndKey, value) -> {
            int bar = nameAndKey.lastIndexOf('|');
            meters.add(Gauge.builder("phalanx.tls.certificate.expiry", value, s -> s.get().doubleValue())
                    .description("time the certificate expires (notAfter), Unix seconds").baseUnit("seconds")
                    .tags(Tags.of("listener", listener, "name", nameAndKey.substring(0, bar),
                            "key", nameAndKey.substring(bar + 1)))
                    .strongReference(true).register(registry));
        });
        if (!meters.isEmpty()) {
            certificateMeters.put(listener, meters);
        }
    }

    /**
     * {@code phalanx_tls_ocsp_response_valid_seconds{listener,name,key}}: seconds the stapled OCSP response of each
     * certificate may still be sent (until its nextUpdate), NaN while none is stapled; replaces the listener's old ones.
     */
    public void registerOcsp(String listener, Map<String, Supplier<Number>> valid) {
        List<Meter> old = ocspMeters.remove(listener);
        if (old != null) {
            old.forEach(registry::remove);
        }
        List<Meter> meters = new ArrayList<>();
        valid.forEach((nameAndKey, value) -> {
            int bar = nameAndKey.lastIndexOf('|');
            meters.add(Gauge.builder("phalanx.tls.ocsp.response.valid", value, s -> s.get().doubleValue())
                    .description("seconds until the stapled OCSP response's nextUpdate; NaN when none is stapled")
                    .baseUnit("seconds")
                    .tags(Tags.of("listener", listener, "name", nameAndKey.substring(0, bar),
                            "key", nameAndKey.substring(bar + 1)))
                    .strongReference(true).register(registry));
        });
        if (!meters.isEmpty()) {
            ocspMeters.put(listener, meters);
        }
    }

    /**
     * {@code phalanx_tls_ocsp_fetches_total{result}}: OCSP fetches for stapling by outcome ({@code ok},
     * {@code http_error}, {@code bad_response}, {@code revoked}, {@code unknown}, {@code error}).
     */
    public void tlsOcspFetch(String result) {
        registry.counter("phalanx.tls.ocsp.fetches", "result", result).increment();
    }

    public void healthProbe(String poolId, boolean passed) {
        registry.counter("phalanx.health.probes", "pool", poolId, "result", passed ? "pass" : "fail").increment();
    }

    /** {@code phalanx_upstream_queue_rejected_total{pool,reason}}: 503s from a pool's queue, {@code full} or {@code timeout}. */
    public void upstreamQueueRejected(String poolId, String reason) {
        registry.counter("phalanx.upstream.queue.rejected", "pool", poolId, "reason", reason).increment();
    }

    /** {@code phalanx_outlier_ejections_total{pool,endpoint,reason}}: passive ejections, reason as in /cluster. */
    public void outlierEjection(String poolId, String endpoint, String reason) {
        registry.counter("phalanx.outlier.ejections", "pool", poolId, "endpoint", endpoint, "reason", reason)
                .increment();
    }

    public void accessLogDropped() {
        registry.counter("phalanx.access.log.dropped").increment();
    }

    /** A gauge read from {@code obj} on scrape (config revision, config errors, grid members, open connections). */
    public <T> void gauge(String name, String description, T obj, ToDoubleFunction<T> value) {
        Gauge.builder(name, obj, value).description(description).strongReference(true).register(registry);
    }

    /** A counter read from {@code obj} on scrape (a count kept elsewhere, such as the purge bus's). */
    public <T> void functionCounter(String name, String description, T obj, ToDoubleFunction<T> value) {
        io.micrometer.core.instrument.FunctionCounter.builder(name, obj, value).description(description)
                .register(registry);
    }

    /**
     * {@code phalanx_vrrp_master{instance}}: 1 while keepalived reports this node MASTER of the VRRP instance, else 0.
     * Instances come from {@code POST /vrrp}; the caller bounds their number.
     */
    public void vrrpMaster(String instance, BooleanSupplier master) {
        Gauge.builder("phalanx.vrrp.master", master, m -> m.getAsBoolean() ? 1 : 0)
                .description("1 while keepalived reports this node MASTER of the VRRP instance")
                .tag("instance", instance).strongReference(true).register(registry);
    }

    /**
     * Registers the per-pool gauges ({@code phalanx_upstream_connections{pool}} and
     * {@code phalanx_endpoint_up{pool,endpoint}}), replacing the ones registered for that pool before.
     *
     * @param connections open upstream connections of the pool
     * @param endpointsUp endpoint address to a supplier of 1 (available) or 0
     */
    public void registerPool(PoolGauges pool) {
        String poolId = pool.poolId();
        removePool(poolId);
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("phalanx.upstream.connections", pool.connections(), IntSupplier::getAsInt)
                .description("open upstream connections").tag("pool", poolId).strongReference(true)
                .register(registry));
        meters.add(Gauge.builder("phalanx.upstream.queue.length", pool.queueLength(), IntSupplier::getAsInt)
                .description("requests waiting for a connection or request slot (pool limits)").tag("pool", poolId)
                .strongReference(true).register(registry));
        pool.endpointConnections().forEach((endpoint, n) -> meters.add(
                Gauge.builder("phalanx.endpoint.connections", n, IntSupplier::getAsInt)
                        .description("open upstream connections to the endpoint, all event loops")
                        .tags(Tags.of("pool", poolId, "endpoint", endpoint)).strongReference(true).register(registry)));
        pool.endpointInFlight().forEach((endpoint, n) -> meters.add(
                Gauge.builder("phalanx.endpoint.requests.in.flight", n, IntSupplier::getAsInt)
                        .description("requests in flight to the endpoint, all event loops")
                        .tags(Tags.of("pool", poolId, "endpoint", endpoint)).strongReference(true).register(registry)));
        pool.endpointsUp().forEach((endpoint, up) -> meters.add(
                Gauge.builder("phalanx.endpoint.up", up, s -> s.getAsBoolean() ? 1 : 0)
                        .description("1 when the endpoint takes traffic").tags(Tags.of("pool", poolId, "endpoint", endpoint))
                        .strongReference(true).register(registry)));
        poolMeters.put(poolId, meters);
    }

    public void removePool(String poolId) {
        List<Meter> old = poolMeters.remove(poolId);
        if (old != null) {
            old.forEach(registry::remove);
        }
    }

    /** Request meters of one route: a counter per status code and the duration histogram. */
    public static final class RouteMeters {
        private final PrometheusMeterRegistry registry;
        private final String routeId;
        private final Counter[] byStatus = new Counter[600];
        private final Timer duration;

        RouteMeters(PrometheusMeterRegistry registry, String routeId) {
            this.registry = registry;
            this.routeId = routeId;
            this.duration = Timer.builder("phalanx.request.duration")
                    .description("time from request head to the end of the response")
                    .tag("route", routeId)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(60))
                    .register(registry);
        }

        /** Counts one request with its final status and records its duration. */
        public void record(int status, long durationNanos) {
            count(status);
            duration.record(durationNanos, TimeUnit.NANOSECONDS);
        }

        void count(int status) {
            int s = status >= 100 && status < 600 ? status : 599;
            Counter c = byStatus[s];
            if (c == null) {
                // benign race: the registry hands out the same counter for the same id
                c = registry.counter("phalanx.requests", "route", routeId, "code", Integer.toString(s));
                byStatus[s] = c;
            }
            c.increment();
        }
    }
}
