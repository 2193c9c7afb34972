package dev.phalanx.node.tls;

import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The immutable SNI mapping of one listener: host name to {@link SslContext}. A name listed exactly in a
 * certificate's SANs wins over a wildcard ({@code *.example.com} matches one label: {@code a.example.com}, not
 * {@code example.com} nor {@code a.b.example.com}); a client without SNI or with an unknown name gets the default
 * (the first configured certificate). When an RSA and an ECDSA certificate list the same name, the ECDSA one is
 * served to clients that can use it ({@link ClientHelloInfo#ecdsa()}), the RSA one to the others; among
 * certificates of one key type the first configured wins.
 */
final class SniTable {
    /** What a connection is served: the certificate's context and its OCSP staple ({@link OcspStaple#NONE}). */
    record Entry(SslContext context, OcspStaple staple) {
    }

    /** The entries of one name: one per key type, either may be null but not both. */
    record Choice(Entry ecdsa, Entry rsa) {
        Entry pick(boolean clientTakesEcdsa) {
            if (ecdsa == null) {
                return rsa;
            }
            return rsa == null || clientTakesEcdsa ? ecdsa : rsa;
        }
    }

    private final Map<String, Choice> exact;
    private final Map<String, Choice> wildcard;
    private final Choice fallback;
    private final List<SslContext> contexts;
    private final List<LoadedCertificate> certificates;
    private final List<OcspStaple> staples;

    private SniTable(Map<String, Choice> exact, Map<String, Choice> wildcard, Choice fallback,
                     List<SslContext> contexts, List<LoadedCertificate> certificates, List<OcspStaple> staples) {
        this.exact = exact;
        this.wildcard = wildcard;
        this.fallback = fallback;
        this.contexts = contexts;
        this.certificates = certificates;
        this.staples = staples;
    }

    /**
     * @param staples the OCSP staple of each certificate, in the same order
     * @param build   makes the context of one certificate
     */
    static SniTable build(List<LoadedCertificate> certs, List<OcspStaple> staples,
                          Function<LoadedCertificate, SslContext> build) {
        Map<LoadedCertificate, Entry> built = new IdentityHashMap<>();
        List<SslContext> contexts = new ArrayList<>();
        for (int i = 0; i < certs.size(); i++) {
            SslContext ctx = build.apply(certs.get(i));
            built.put(certs.get(i), new Entry(ctx, staples.get(i)));
            contexts.add(ctx);
        }
        Map<String, Choice> byName = new LinkedHashMap<>();
        for (LoadedCertificate c : certs) {
            for (String n : c.names()) {
                byName.put(n, add(byName.get(n), c, built.get(c)));
            }
        }
        Map<String, Choice> exact = new HashMap<>();
        Map<String, Choice> wildcard = new HashMap<>();
        byName.forEach((n, choice) -> {
            if (n.startsWith("*.")) {
                wildcard.put(n.substring(2), choice);
            } else {
                exact.put(n, choice);
            }
        });
        Choice fallback = byName.get(certs.get(0).primaryName());
        return new SniTable(Map.copyOf(exact), Map.copyOf(wildcard), fallback, List.copyOf(contexts),
                List.copyOf(certs), List.copyOf(staples));
    }

    private static Choice add(Choice old, LoadedCertificate c, Entry ctx) {
        boolean ec = c.keyType().equals("EC");
        if (old == null) {
            return ec ? new Choice(ctx, null) : new Choice(null, ctx);
        }
        if (ec) {
            return old.ecdsa() != null ? old : new Choice(ctx, old.rsa());
        }
        return old.rsa() != null ? old : new Choice(old.ecdsa(), ctx);
    }

    /** The entry for an SNI host name (null = no SNI). Runs on the event loop: at most two hash lookups. */
    Entry select(String host, boolean clientTakesEcdsa) {
        return choice(host).pick(clientTakesEcdsa);
    }

    private Choice choice(String host) {
        if (host == null || host.isEmpty()) {
            return fallback;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        Choice c = exact.get(h);
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

    /** The OCSP staples, in the order of {@link #certificates()}. */
    List<OcspStaple> staples() {
        return staples;
    }
}
