package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import dev.phalanx.cluster.model.NodeConfig.GridConfig;
import dev.phalanx.cluster.model.NodeConfig.SourceConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code config} (where routes come from: a file or etcd) and {@code grid} sections of the node config. */
final class SourceSectionsReader {

    static final List<String> CONFIG_FIELDS = List.of("file", "etcd");
    static final List<String> ETCD_FIELDS =
            List.of("endpoints", "prefix", "user", "password", "caFile", "certFile", "keyFile");
    static final List<String> GRID_FIELDS = List.of("clusterName", "bind", "members", "secretFile", "logLevel",
            "portCount");
    static final int MAX_GRID_PORT_COUNT = 4;
    static final List<String> GRID_LOG_LEVELS = List.of("debug", "info", "warn", "error", "off");
    static final String DEFAULT_ETCD_PREFIX = "/phalanx";
    static final int DEFAULT_GRID_PORT = 5701;

    private SourceSectionsReader() {
    }

    static SourceConfig source(JsonFields root, Path base) {
        JsonFields c = root.object("config", CONFIG_FIELDS);
        if (c == null) {
            return new SourceConfig(NodeConfigLoader.DEFAULT_ROUTES_FILE, null);
        }
        if (c.has("file") == c.has("etcd")) {
            c.errors().add(new ConfigError(c.path(), "set exactly one of file (standalone) and etcd (cluster)"));
        }
        Path file = c.has("file") ? NodeConfigLoader.path(c, "file", base, null) : null;
        EtcdConfig etcd = etcd(c, base);
        if (file == null && etcd == null) {
            file = NodeConfigLoader.DEFAULT_ROUTES_FILE;
        }
        return new SourceConfig(etcd == null ? file : null, etcd);
    }

    private static EtcdConfig etcd(JsonFields c, Path base) {
        JsonFields e = c.object("etcd", ETCD_FIELDS);
        if (e == null) {
            return null;
        }
        List<String> endpoints = new ArrayList<>();
        List<JsonNode> items = e.list("endpoints");
        if (items == null || items.isEmpty()) {
            if (items == null || e.get("endpoints").isArray()) {
                e.error("endpoints", "needs at least one etcd URL, like http://10.0.0.1:2379");
            }
        } else {
            for (int i = 0; i < items.size(); i++) {
                String p = e.path("endpoints") + "[" + i + "]";
                String url = JsonFields.text(items.get(i), p, e.errors());
                if (url == null) {
                    continue;
                }
                String problem = etcdUrlProblem(url);
                if (problem != null) {
                    e.errors().add(new ConfigError(p, problem));
                } else {
                    endpoints.add(url);
                }
            }
        }
        String prefix = e.string("prefix", DEFAULT_ETCD_PREFIX);
        if (prefix != null && (!prefix.startsWith("/") || prefix.length() > 1 && prefix.endsWith("/"))) {
            e.error("prefix", "\"" + prefix + "\" must start with / and not end with /, like /phalanx");
        }
        String user = e.string("user", null);
        String password = e.string("password", null);
        if ((user == null) != (password == null)) {
            e.error(user == null ? "user" : "password", "user and password go together");
        }
        Path ca = e.has("caFile") ? NodeConfigLoader.existingFile(e, "caFile", base) : null;
        Path cert = e.has("certFile") ? NodeConfigLoader.existingFile(e, "certFile", base) : null;
        Path key = e.has("keyFile") ? NodeConfigLoader.existingFile(e, "keyFile", base) : null;
        if (e.has("certFile") != e.has("keyFile")) {
            e.error(e.has("certFile") ? "keyFile" : "certFile", "certFile and keyFile go together (client certificate)");
        }
        return new EtcdConfig(List.copyOf(endpoints), prefix, user, password, ca, cert, key);
    }

    static String etcdUrlProblem(String url) {
        String example = "\"" + url + "\" is not an etcd URL like http://10.0.0.1:2379";
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                return example + " (http or https)";
            }
            if (u.getHost() == null) {
                return example;
            }
            if (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/")) {
                return example + " (no path)";
            }
            return null;
        } catch (URISyntaxException ex) {
            return example;
        }
    }

    static GridConfig grid(JsonFields root, Path base) {
        JsonFields g = root.object("grid", GRID_FIELDS);
        if (g == null) {
            return null;
        }
        String clusterName = g.string("clusterName", "phalanx");
        if (clusterName != null && Syntax.idProblem(clusterName) != null) {
            g.error("clusterName", Syntax.idProblem(clusterName));
        }
        HostPort bind = ListenersReader.bind(g, "bind", new HostPort("0.0.0.0", DEFAULT_GRID_PORT));
        List<HostPort> members = new ArrayList<>();
        List<JsonNode> items = g.list("members");
        for (int i = 0; items != null && i < items.size(); i++) {
            String p = g.path("members") + "[" + i + "]";
            String text = JsonFields.text(items.get(i), p, g.errors());
            if (text == null) {
                continue;
            }
            try {
                members.add(Syntax.parseHostPort(text, DEFAULT_GRID_PORT, 1));
            } catch (IllegalArgumentException ex) {
                g.errors().add(new ConfigError(p, ex.getMessage()));
            }
        }
        if (!g.has("secretFile")) {
            g.error("secretFile", "required with a grid: the cluster secret that encrypts ticket keys in the grid");
        }
        Path secret = NodeConfigLoader.existingFile(g, "secretFile", base);
        String logLevel = g.string("logLevel", "info");
        if (logLevel != null && !GRID_LOG_LEVELS.contains(logLevel)) {
            g.error("logLevel", "\"" + logLevel + "\" is not one of " + String.join(", ", GRID_LOG_LEVELS));
        }
        Integer count = g.integer("portCount", 1, 1, MAX_GRID_PORT_COUNT);
        int portCount = count == null ? 1 : count;
        if (bind != null && bind.port() + portCount - 1 > 65535) {
            g.error("portCount", "bind port " + bind.port() + " + portCount - 1 is above 65535");
        }
        return new GridConfig(clusterName, bind, List.copyOf(members), secret, logLevel, portCount);
    }
}
