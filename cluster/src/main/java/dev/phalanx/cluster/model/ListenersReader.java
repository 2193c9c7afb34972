package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.model.NodeConfig.AdminConfig;
import dev.phalanx.cluster.model.NodeConfig.CertificateConfig;
import dev.phalanx.cluster.model.NodeConfig.GridConfig;
import dev.phalanx.cluster.model.NodeConfig.ListenerConfig;
import dev.phalanx.cluster.model.NodeConfig.TlsConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The {@code listeners} section of the node config (with TLS), and the check that no two binds collide. */
final class ListenersReader {

    static final List<String> LISTENER_FIELDS = List.of("name", "bind", "proxyProtocol", "tls", "h2c",
            "ipTransparent", "reusePort");
    static final List<String> TLS_FIELDS = List.of("certificates", "protocols", "clientAuth", "clientCaFile", "http2",
            "hsts", "ocspStapling", "rsaSigner");
    static final java.util.regex.Pattern HSTS = java.util.regex.Pattern.compile(
            "max-age=\\d{1,10}(; ?includeSubDomains)?(; ?preload)?");
    static final List<String> CERT_FIELDS = List.of("certFile", "keyFile");
    static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    static final List<String> CLIENT_AUTH = List.of("none", "optional", "require");
    static final ListenerConfig DEFAULT_LISTENER =
            new ListenerConfig("web", new HostPort("0.0.0.0", 8080), false, null);

    private ListenersReader() {
    }

    static List<ListenerConfig> listeners(JsonFields root, Path base) {
        List<JsonNode> items = root.list("listeners");
        if (items == null) {
            return List.of(DEFAULT_LISTENER);
        }
        if (items.isEmpty() && root.get("listeners").isArray()) {
            root.error("listeners", "needs at least one listener, like {name: web, bind: 0.0.0.0:8080}");
        }
        List<ListenerConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            JsonFields l = JsonFields.of(item, listenerPath(item, i), root.errors(), LISTENER_FIELDS);
            String name = l.string("name", "listener-" + i);
            if (name != null && Syntax.idProblem(name) != null) {
                l.error("name", Syntax.idProblem(name));
            } else if (name != null && !names.add(name)) {
                l.error("name", "listener name " + name + " is used twice");
            }
            if (!l.has("bind")) {
                l.error("bind", "required, like 0.0.0.0:8080");
            }
            HostPort bind = bind(l, "bind", null);
            boolean proxyProtocol = l.bool("proxyProtocol", false);
            TlsConfig tls = tls(l, base);
            boolean h2c = l.bool("h2c", false);
            if (h2c && tls != null) {
                l.error("h2c", "h2c (HTTP/2 without TLS) is for plain listeners; a TLS listener offers h2 by ALPN"
                        + " (tls.http2)");
            }
            boolean ipTransparent = l.bool("ipTransparent", false);
            boolean reusePort = l.bool("reusePort", false);
            out.add(new ListenerConfig(name, bind, proxyProtocol, tls, h2c, ipTransparent, reusePort));
        }
        return List.copyOf(out);
    }

    /** {@code listeners[NAME]} when the entry has a usable name, else {@code listeners[INDEX]}. */
    static String listenerPath(JsonNode item, int index) {
        JsonNode name = item == null ? null : item.get("name");
        boolean named = name != null && name.isTextual() && Syntax.idProblem(name.textValue()) == null;
        return "listeners[" + (named ? name.textValue() : String.valueOf(index)) + "]";
    }

    /** A bind address {@code host:port} / {@code [v6]:port}; port 0 takes any free port. Null after an error. */
    static HostPort bind(JsonFields f, String field, HostPort def) {
        JsonNode v = f.get(field);
        if (v == null) {
            return def;
        }
        if (v.isNumber()) {
            f.error(field, v.asText() + " has no host; write it like 0.0.0.0:" + v.asText());
            return null;
        }
        String text = f.string(field, null);
        if (text == null) {
            return null;
        }
        try {
            return Syntax.parseHostPort(text, -1, 0);
        } catch (IllegalArgumentException e) {
            f.error(field, e.getMessage());
            return null;
        }
    }

    private static TlsConfig tls(JsonFields l, Path base) {
        JsonFields t = l.object("tls", TLS_FIELDS);
        if (t == null) {
            return null;
        }
        List<CertificateConfig> certificates = new ArrayList<>();
        List<JsonNode> items = t.list("certificates");
        if (items == null || items.isEmpty()) {
            if (items == null || t.get("certificates").isArray()) {
                t.error("certificates", "needs at least one {certFile, keyFile} (PEM files)");
            }
        } else {
            for (int i = 0; i < items.size(); i++) {
                JsonFields c = JsonFields.of(items.get(i), t.path("certificates") + "[" + i + "]", t.errors(),
                        CERT_FIELDS);
                for (String field : CERT_FIELDS) {
                    if (!c.has(field)) {
                        c.error(field, "required: a PEM file");
                    }
                }
                certificates.add(new CertificateConfig(NodeConfigLoader.existingFile(c, "certFile", base),
                        NodeConfigLoader.existingFile(c, "keyFile", base)));
            }
        }
        List<String> protocols = TLS_PROTOCOLS;
        List<JsonNode> protocolItems = t.list("protocols");
        if (protocolItems != null) {
            List<String> chosen = new ArrayList<>();
            for (int i = 0; i < protocolItems.size(); i++) {
                String p = t.path("protocols") + "[" + i + "]";
                String name = JsonFields.text(protocolItems.get(i), p, t.errors());
                if (name != null && !TLS_PROTOCOLS.contains(name)) {
                    t.errors().add(new ConfigError(p, "\"" + name + "\" is not a supported protocol; use TLSv1.3"
                            + " and/or TLSv1.2"));
                } else if (name != null && !chosen.contains(name)) {
                    chosen.add(name);
                }
            }
            if (protocolItems.isEmpty()) {
                t.error("protocols", "is empty; use [TLSv1.3, TLSv1.2]");
            }
            protocols = List.copyOf(chosen);
        }
        String clientAuth = t.string("clientAuth", "none");
        if (clientAuth != null && !CLIENT_AUTH.contains(clientAuth)) {
            t.error("clientAuth", "\"" + clientAuth + "\" is not one of none, optional, require");
        }
        Path clientCa = t.has("clientCaFile") ? NodeConfigLoader.existingFile(t, "clientCaFile", base) : null;
        if (clientCa == null && !t.has("clientCaFile") && clientAuth != null && !clientAuth.equals("none")) {
            t.error("clientCaFile", "required with clientAuth " + clientAuth + ": the CA that signs client certificates");
        }
        boolean http2 = t.bool("http2", true);
        String hsts = t.string("hsts", null);
        if (hsts != null && !HSTS.matcher(hsts).matches()) {
            t.error("hsts", "\"" + hsts + "\" is not a Strict-Transport-Security value like"
                    + " \"max-age=31536000; includeSubDomains\"");
        }
        boolean ocspStapling = t.bool("ocspStapling", true);
        String rsaSigner = t.string("rsaSigner", "auto");
        if (rsaSigner != null && !TlsConfig.RSA_SIGNERS.contains(rsaSigner)) {
            t.error("rsaSigner", "\"" + rsaSigner + "\" is not one of " + String.join(", ", TlsConfig.RSA_SIGNERS));
        }
        return new TlsConfig(List.copyOf(certificates), protocols, clientAuth, clientCa, http2, hsts, ocspStapling,
                rsaSigner);
    }

    /**
     * No two binds (listeners, admin, grid) may take the same port on overlapping addresses: equal hosts, or either
     * a wildcard ({@code 0.0.0.0}, {@code ::}). Port 0 (any free port) never collides.
     */
    static void checkBindsDoNotOverlap(JsonFields root, List<ListenerConfig> listeners, AdminConfig admin,
                                       GridConfig grid) {
        List<String> paths = new ArrayList<>();
        List<HostPort> binds = new ArrayList<>();
        for (ListenerConfig l : listeners) {
            paths.add("listeners[" + l.name() + "].bind");
            binds.add(l.bind());
        }
        paths.add("admin.bind");
        binds.add(admin.bind());
        if (grid != null) {
            paths.add("grid.bind");
            binds.add(grid.bind());
        }
        for (int j = 0; j < binds.size(); j++) {
            for (int i = 0; i < j; i++) {
                HostPort a = binds.get(i);
                HostPort b = binds.get(j);
                if (a == null || b == null || a.port() == 0 || a.port() != b.port()) {
                    continue;
                }
                if (a.host().equals(b.host()) || Syntax.isWildcard(a.host()) || Syntax.isWildcard(b.host())) {
                    root.errors().add(new ConfigError(paths.get(j), b + " overlaps " + paths.get(i) + " (" + a
                            + "); give each its own port"));
                    break;
                }
            }
        }
    }
}
