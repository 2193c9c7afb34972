package dev.phalanx.node.tls;

import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The immutable SNI mapping of one listener: host name to {@link SslContext}. A name listed exactly in a
 * certificate's SANs wins over a wildcard ({@code *.example.com} matches one label: {@code a.example.com}, not
 * {@code example.com} nor {@code a.b.example.com}); a client without SNI or with an unknown name gets the default
 * (the first configured certificate). When an RSA and an ECDSA certificate list the same name, both go into one
 * context and OpenSSL serves the one the client supports (ECDSA first); among certificates of one key type the
 * first configured wins.
 */
final class SniTable {
    private final Map<String, SslContext> exact;
    private final Map<String, SslContext> wildcard;
    private final SslContext fallback;
    private final List<SslContext> contexts;
    private final List<LoadedCertificate> certificates;

    private SniTable(Map<String, SslContext> exact, Map<String, SslContext> wildcard, SslContext fallback,
                     List<SslContext> contexts, List<LoadedCertificate> certificates) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.fallback = fallback;
        this.contexts = contexts;
        this.certificates = certificates;
    }

    /**
     * @param build makes the context serving a group of certificates (at most one per key type, preferred first)
     */
    static SniTable build(List<LoadedCertificate> certs, Function<List<LoadedCertificate>, SslContext> build) {
        Map<String, List<LoadedCertificate>> groups = new LinkedHashMap<>();
        for (LoadedCertificate c : certs) {
            for (String n : c.names()) {
                List<LoadedCertificate> g = groups.computeIfAbsent(n, k -> new ArrayList<>(2));
                if (g.stream().noneMatch(o -> o.keyType().equals(c.keyType()))) {
                    g.add(c);
                }
            }
        }
        Map<List<LoadedCertificate>, SslContext> byGroup = new HashMap<>();
        Map<String, SslContext> exact = new HashMap<>();
        Map<String, SslContext> wildcard = new HashMap<>();
        for (Map.Entry<String, List<LoadedCertificate>> e : groups.entrySet()) {
            List<LoadedCertificate> group = preferEcdsa(e.getValue());
            SslContext ctx = byGroup.computeIfAbsent(group, build);
            if (e.getKey().startsWith("*.")) {
                wildcard.put(e.getKey().substring(2), ctx);
            } else {
                exact.put(e.getKey(), ctx);
            }
        }
        SslContext fallback = byGroup.get(preferEcdsa(groups.get(certs.get(0).primaryName())));
        return new SniTable(Map.copyOf(exact), Map.copyOf(wildcard), fallback, List.copyOf(byGroup.values()),
                List.copyOf(certs));
    }

    private static List<LoadedCertificate> preferEcdsa(List<LoadedCertificate> g) {
        List<LoadedCertificate> out = new ArrayList<>(g);
        out.sort((a, b) -> Boolean.compare(!a.keyType().equals("EC"), !b.keyType().equals("EC")));
        return List.copyOf(out);
    }

    /** The context for an SNI host name (null = no SNI). Runs on the event loop: two hash lookups. */
    SslContext select(String host) {
        if (host == null || host.isEmpty()) {
            return fallback;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        SslContext c = exact.get(h);
        if (c != null) {
            return c;
        }
        int dot = h.indexOf('.');
        if (dot > 0) {
            c = wildcard.get(h.substring(dot + 1));
            if (c != null) {
                return c;
            }
        }
        return fallback;
    }

    List<SslContext> contexts() {
        return contexts;
    }

    List<LoadedCertificate> certificates() {
        return certificates;
    }
}
