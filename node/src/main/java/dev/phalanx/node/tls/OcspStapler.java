package dev.phalanx.node.tls;

import dev.phalanx.node.metrics.Meters;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Fetches and refreshes the OCSP responses of one listener's certificates, like nginx's {@code ssl_stapling on}: one
 * daemon thread POSTs each certificate's request to the responder named in its Authority Information Access, checks
 * the answer ({@link OcspResponses}) and publishes it in the certificate's {@link OcspStaple}, which event loops
 * read. Refreshes at the midpoint of the response's validity (at least hourly); failures retry after 1 min, doubling
 * up to 1 h, while the last good response stays stapled until it expires. Never runs on an event loop.
 */
final class OcspStapler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OcspStapler.class.getName());
    static final Duration MAX_REFRESH = Duration.ofHours(1);
    static final Duration MIN_REFRESH = Duration.ofSeconds(5);
    static final Duration FIRST_RETRY = Duration.ofMinutes(1);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private final String listener;
    private final Meters meters;
    private final ScheduledExecutorService thread;
    private final HttpClient http;
    /** Tracked certificates by leaf and issuer; changed only under this object's lock. */
    private Map<String, OcspStaple> tracked = Map.of();

    OcspStapler(String listener, Meters meters) {
        this.listener = listener;
        this.meters = meters;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-ocsp-" + listener);
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1).build(); // its own executor: send() waits on it
    }

    /**
     * The staples for a set of certificates about to be served: the tracked one for a certificate already known
     * (its response carries over a reload), a new one (not yet fetched) otherwise. Nothing starts until
     * {@link #commit}.
     */
    synchronized List<OcspStaple> prepare(List<LoadedCertificate> certs) {
        List<OcspStaple> out = new ArrayList<>();
        Map<String, OcspStaple> made = new HashMap<>(tracked);
        for (LoadedCertificate c : certs) {
            out.add(made.computeIfAbsent(key(c), k -> create(c)));
        }
        return out;
    }

    /** Serves these staples from now on: starts fetching for the new ones, stops the ones no longer served. */
    synchronized void commit(List<LoadedCertificate> certs, List<OcspStaple> staples) {
        Map<String, OcspStaple> now = new HashMap<>();
        Map<String, Supplier<Number>> gauges = new LinkedHashMap<>();
        for (int i = 0; i < certs.size(); i++) {
            LoadedCertificate c = certs.get(i);
            OcspStaple s = staples.get(i);
            if (s == OcspStaple.NONE) {
                continue;
            }
            boolean listedTwice = now.put(key(c), s) != null; // the same certificate configured twice
            gauges.putIfAbsent(c.primaryName() + "|" + c.keyType().toLowerCase(Locale.ROOT), s::validSeconds);
            if (!listedTwice && !tracked.containsValue(s)) {
                LOG.info("listener " + listener + ": OCSP stapling for " + c.primaryName() + " (" + s.file()
                        + ") from " + s.url());
                s.next = thread.schedule(() -> fetch(s), 0, TimeUnit.MILLISECONDS);
            }
        }
        for (OcspStaple old : tracked.values()) {
            if (!now.containsValue(old)) {
                stop(old);
            }
        }
        tracked = Map.copyOf(now);
        meters.registerOcsp(listener, gauges);
    }

    /** A staple for a certificate not tracked yet; {@link OcspStaple#NONE} (with the reason logged) if impossible. */
    private OcspStaple create(LoadedCertificate c) {
        String file = c.files().certFile().toString();
        X509Certificate leaf = c.chain().get(0);
        String url;
        try {
            url = OcspRequests.responderUrl(leaf);
        } catch (Der.Malformed e) {
            LOG.warning(c.path() + ".certFile: " + file + ": unreadable Authority Information Access ("
                    + e.getMessage() + "); OCSP stapling is off for it");
            return OcspStaple.NONE;
        }
        if (url == null) {
            LOG.info(c.path() + ".certFile: " + file + " names no OCSP responder; nothing to staple for it");
            return OcspStaple.NONE;
        }
        if (url.startsWith("!")) {
            LOG.warning(c.path() + ".certFile: " + file + ": the OCSP responder " + url.substring(1)
                    + " is not an http:// URL; OCSP stapling is off for it");
            return OcspStaple.NONE;
        }
        if (c.chain().size() < 2) {
            LOG.warning(c.path() + ".certFile: " + file + " has no issuer certificate after the leaf (use the full"
                    + " chain); OCSP stapling is off for it");
            return OcspStaple.NONE;
        }
        X509Certificate issuer = c.chain().get(1);
        if (!issuer.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
            LOG.warning(c.path() + ".certFile: " + file + ": the second certificate (" + issuer.getSubjectX500Principal()
                    + ") is not the leaf's issuer (" + leaf.getIssuerX500Principal() + "); OCSP stapling is off for it");
            return OcspStaple.NONE;
        }
        return new OcspStaple(c.primaryName(), file, issuer, OcspRequests.certId(leaf, issuer), url);
    }

    private static String key(LoadedCertificate c) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (X509Certificate x : c.chain().subList(0, Math.min(2, c.chain().size()))) {
                md.update(x.getEncoded());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One fetch on the stapler thread; schedules the next. */
    private void fetch(OcspStaple s) {
        if (s.stopped) {
            return;
        }
        OcspResponses.Result result;
        long started = System.nanoTime();
        try {
            byte[] body = post(s);
            OcspResponses.Good good = OcspResponses.check(body, s.id(), s.issuer(), Instant.now());
            boolean had = s.current() != null;
            s.set(good);
            result = OcspResponses.Result.OK;
            String line = "listener " + listener + ": OCSP response for " + s.name() + " stapled (" + body.length
                    + " bytes, fetched in " + (System.nanoTime() - started) / 1_000_000 + " ms, this update "
                    + good.thisUpdate() + ", next update " + (good.nextUpdate() == null ? "none" : good.nextUpdate())
                    + ")";
            if (had) {
                LOG.fine(line); // routine refreshes are quiet
            } else {
                LOG.info(line);
            }
        } catch (OcspResponses.Refused e) {
            result = e.result();
            failed(s, result, e.getMessage());
        } catch (IOException e) {
            result = OcspResponses.Result.HTTP_ERROR;
            failed(s, result, "request failed: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing
        } catch (RuntimeException e) {
            result = OcspResponses.Result.ERROR;
            failed(s, result, e.toString());
        }
        meters.tlsOcspFetch(result.label());
        schedule(s, result == OcspResponses.Result.OK);
    }

    private byte[] post(OcspStaple s) throws IOException, InterruptedException, OcspResponses.Refused {
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.url())).timeout(TIMEOUT)
                .header("Content-Type", "application/ocsp-request")
                .header("Accept", "application/ocsp-response")
                .POST(HttpRequest.BodyPublishers.ofByteArray(OcspRequests.request(s.id()))).build();
        HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) {
                throw new OcspResponses.Refused(OcspResponses.Result.HTTP_ERROR, "HTTP status " + resp.statusCode());
            }
            byte[] body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            if (body.length > MAX_RESPONSE_BYTES) {
                throw new OcspResponses.Refused(OcspResponses.Result.BAD_RESPONSE, "response larger than "
                        + MAX_RESPONSE_BYTES + " bytes");
            }
            return body;
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        String last = null;
        for (Throwable t = e; t != null && sb.length() < 500; t = t.getCause() == t ? null : t.getCause()) {
            String part = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
            if (!part.equals(last)) {
                sb.append(sb.length() == 0 ? "" : ": ").append(part);
            }
            last = part;
        }
        return sb.toString();
    }

    private void failed(OcspStaple s, OcspResponses.Result result, String reason) {
        if (result == OcspResponses.Result.REVOKED) {
            s.clear(); // a signed "revoked" ends stapling an older "good" at once
        }
        OcspStaple.Current c = s.state();
        boolean stillValid = s.current() != null;
        LOG.warning("listener " + listener + ": OCSP response for " + s.name() + " (" + s.file() + ") from "
                + s.url() + " not stapled: " + reason + (stillValid
                ? "; the previous response stays stapled until " + Instant.ofEpochMilli(c.validUntilMillis())
                : "; no response is stapled"));
    }

    private synchronized void schedule(OcspStaple s, boolean ok) {
        if (s.stopped) {
            return;
        }
        long delayMs;
        if (ok) {
            s.failures = 0;
            delayMs = refreshDelayMillis(s.state(), System.currentTimeMillis());
        } else {
            s.failures++;
            delayMs = retryDelayMillis(s.failures);
        }
        s.next = thread.schedule(() -> fetch(s), delayMs, TimeUnit.MILLISECONDS);
    }

    /** After a good response: at the midpoint of its validity, at most an hour and at least 5 s from now. */
    static long refreshDelayMillis(OcspStaple.Current c, long nowMillis) {
        long refresh = MAX_REFRESH.toMillis();
        if (c.nextUpdate() != null) {
            long mid = c.thisUpdate().toEpochMilli()
                    + (c.nextUpdate().toEpochMilli() - c.thisUpdate().toEpochMilli()) / 2;
            refresh = Math.min(refresh, mid - nowMillis);
        }
        return Math.max(MIN_REFRESH.toMillis(), refresh);
    }

    /** After the n-th failure in a row (n from 1): 1 min, 2 min, 4 min, ... at most 1 h. */
    static long retryDelayMillis(int failures) {
        return Math.min(MAX_REFRESH.toMillis(), FIRST_RETRY.toMillis() << Math.min(Math.max(failures, 1) - 1, 10));
    }

    private static void stop(OcspStaple s) {
        s.stopped = true;
        if (s.next != null) {
            s.next.cancel(false);
        }
    }

    @Override
    public synchronized void close() {
        tracked.values().forEach(OcspStapler::stop);
        tracked = Map.of();
        thread.shutdownNow();
        meters.registerOcsp(listener, Map.of());
    }
}
