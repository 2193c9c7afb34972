package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.phalanx.cluster.model.NodeConfig.AdminConfig;
import dev.phalanx.cluster.model.NodeConfig.LimitsConfig;
import dev.phalanx.cluster.model.NodeConfig.NodeSection;
import dev.phalanx.cluster.model.NodeConfig.TicketsConfig;
import dev.phalanx.cluster.model.NodeConfig.UpstreamConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the node's YAML configuration (docs/contract.md#node-configuration) into a {@link NodeConfig}, filling every
 * default and checking every rule. All problems are collected and thrown together as a {@link ConfigException}
 * whose lines read {@code listeners[web].bind: ...}. Relative file paths resolve against the config file's folder.
 */
public final class NodeConfigLoader {

    static final List<String> FIELDS = List.of("node", "listeners", "trustedProxies", "admin", "config", "grid",
            "tickets", "limits", "upstream", "forwarded", "accessLog", "drain", "cache");
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/phalanx");
    public static final Path DEFAULT_ROUTES_FILE = Path.of("/etc/phalanx/routes.yaml");
    public static final HostPort DEFAULT_ADMIN_BIND = new HostPort("127.0.0.1", 9901);
    public static final List<String> DEFAULT_TRUSTED_PROXIES = List.of("127.0.0.1/32", "::1/128");

    private NodeConfigLoader() {
    }

    /** Reads and checks the file; unreadable files and YAML syntax errors are reported like any other problem. */
    public static NodeConfig load(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(new ConfigError(file.toString(), "does not exist")));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(file.toString(), "cannot be read: " + e)));
        }
        Path dir = file.toAbsolutePath().normalize().getParent();
        return fromTree(ConfigTrees.readYaml(bytes, file.toString()), dir);
    }

    /** Parses YAML text; relative paths resolve against {@code baseDir}. */
    public static NodeConfig parse(String yaml, Path baseDir) throws ConfigException {
        return fromTree(ConfigTrees.readYaml(yaml.getBytes(StandardCharsets.UTF_8), "node config"), baseDir);
    }

    public static NodeConfig fromTree(JsonNode tree, Path baseDir) throws ConfigException {
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = JsonNodeFactory.instance.objectNode();
        }
        List<ConfigError> errors = new ArrayList<>();
        Path base = baseDir.toAbsolutePath().normalize();
        JsonFields f = JsonFields.of(tree, "", errors, FIELDS);
        NodeSection node = node(f, base);
        List<NodeConfig.ListenerConfig> listeners = ListenersReader.listeners(f, base);
        List<Cidr> trustedProxies = trustedProxies(f);
        AdminConfig admin = admin(f);
        NodeConfig.SourceConfig source = SourceSectionsReader.source(f, base);
        NodeConfig.GridConfig grid = SourceSectionsReader.grid(f, base);
        ListenersReader.checkBindsDoNotOverlap(f, listeners, admin, grid);
        JsonFields t = section(f, "tickets", List.of("rotateEvery"));
        TicketsConfig tickets = new TicketsConfig(t.duration("rotateEvery", Duration.ofHours(1), true));
        LimitsConfig limits = limits(f);
        UpstreamConfig upstream = upstream(f);
        boolean forwarded = f.bool("forwarded", false);
        String accessLog = accessLog(f, base);
        NodeConfig.DrainConfig drain = DrainSectionReader.drain(f, limits.drainTimeout());
        JsonFields c = section(f, "cache", List.of("maxBytes"));
        NodeConfig.CacheConfig cache = new NodeConfig.CacheConfig(c.longValue("maxBytes",
                NodeConfig.CacheConfig.DEFAULT_MAX_BYTES, 0, 1L << 40));
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new NodeConfig(node, listeners, trustedProxies, admin, source, grid, tickets, limits, upstream,
                forwarded, accessLog, drain, cache);
    }

    /** The section as a reader; an absent section reads as empty, so every field takes its default. */
    static JsonFields section(JsonFields parent, String name, List<String> known) {
        JsonFields s = parent.object(name, known);
        return s != null ? s : JsonFields.of(JsonNodeFactory.instance.objectNode(), parent.path(name),
                parent.errors(), known);
    }

    static Path path(JsonFields f, String field, Path base, Path def) {
        String text = f.string(field, null);
        if (text == null || text.isBlank()) {
            if (text != null) {
                f.error(field, "is empty; write a file path");
            }
            return def;
        }
        try {
            return base.resolve(text.trim()).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            f.error(field, "\"" + text + "\" is not a file path: " + e.getReason());
            return def;
        }
    }

    /** A path that must name a readable file (certificates, keys, secrets). */
    static Path existingFile(JsonFields f, String field, Path base) {
        Path p = path(f, field, base, null);
        if (p != null) {
            if (!Files.exists(p)) {
                f.error(field, p + " does not exist");
            } else if (!Files.isRegularFile(p)) {
                f.error(field, p + " is not a file");
            } else if (!Files.isReadable(p)) {
                f.error(field, p + " cannot be read by this user");
            }
        }
        return p;
    }

    private static NodeSection node(JsonFields root, Path base) {
        JsonFields n = section(root, "node", List.of("id", "stateDir", "workerThreads"));
        String id = n.string("id", null);
        if (id == null) {
            id = hostName();
            if (Syntax.idProblem(id) != null) {
                n.error("id", "the host name \"" + id + "\" is not usable as a node id; set node.id");
            }
        } else if (Syntax.idProblem(id) != null) {
            n.error("id", Syntax.idProblem(id));
        }
        Path stateDir = path(n, "stateDir", base, DEFAULT_STATE_DIR);
        int workers = n.integer("workerThreads", 0, 0, 1024);
        return new NodeSection(id, stateDir, workers);
    }

    /** The machine's host name without a DNS lookup when the kernel or environment can tell it. */
    static String hostName() {
        try {
            String kernel = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            if (!kernel.isEmpty()) {
                return kernel;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "phalanx-node";
        }
    }

    private static List<Cidr> trustedProxies(JsonFields f) {
        List<JsonNode> items = f.list("trustedProxies");
        if (items == null) {
            return DEFAULT_TRUSTED_PROXIES.stream().map(Cidr::parse).toList();
        }
        List<Cidr> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("trustedProxies") + "[" + i + "]";
            String text = JsonFields.text(items.get(i), p, f.errors());
            if (text == null) {
                continue;
            }
            try {
                out.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                f.errors().add(new ConfigError(p, e.getMessage()));
            }
        }
        return List.copyOf(out);
    }

    private static AdminConfig admin(JsonFields root) {
        JsonFields a = section(root, "admin", List.of("bind", "token", "reusePort"));
        HostPort bind = ListenersReader.bind(a, "bind", DEFAULT_ADMIN_BIND);
        String token = a.string("token", "");
        if (bind != null && !Syntax.isLoopback(bind.host()) && token.isBlank()) {
            a.error("token", "required when admin.bind (" + bind + ") is not a loopback address: anyone who can"
                    + " reach it could drain the node");
        }
        if (!token.isEmpty() && Syntax.headerValueProblem(token) != null) {
            a.error("token", "may only hold printable characters");
        }
        boolean reusePort = a.bool("reusePort", false);
        return new AdminConfig(bind != null ? bind : DEFAULT_ADMIN_BIND, token, reusePort);
    }

    private static LimitsConfig limits(JsonFields root) {
        JsonFields l = section(root, "limits", List.of("maxHeaderBytes", "maxBodyBytes", "idleTimeout",
                "drainTimeout", "maxConnections", "websocketIdleTimeout", "requestHeadTimeout", "requestBodyMinRate",
                "requestBodyRateWindow"));
        return new LimitsConfig(
                l.integer("maxHeaderBytes", 16_384, 1, 16 * 1024 * 1024),
                l.longValue("maxBodyBytes", 10_485_760L, 1, Long.MAX_VALUE),
                l.duration("idleTimeout", Duration.ofSeconds(60), true),
                l.duration("drainTimeout", Duration.ofSeconds(30), true),
                l.integer("maxConnections", 10_000, 1, 10_000_000),
                l.duration("websocketIdleTimeout", Duration.ofHours(1), true),
                bounded(l, "requestHeadTimeout", LimitsConfig.DEFAULT_REQUEST_HEAD_TIMEOUT, MIN_SLOW_CLIENT_TIME,
                        MAX_SLOW_CLIENT_TIME),
                l.longValue("requestBodyMinRate", LimitsConfig.DEFAULT_REQUEST_BODY_MIN_RATE, 0, 1L << 30),
                bounded(l, "requestBodyRateWindow", LimitsConfig.DEFAULT_REQUEST_BODY_RATE_WINDOW,
                        MIN_SLOW_CLIENT_TIME, MAX_SLOW_CLIENT_TIME));
    }

    /** The slow-client deadlines are checked a few times per deadline: below 100 ms that would be a busy timer. */
    static final Duration MIN_SLOW_CLIENT_TIME = Duration.ofMillis(100);
    static final Duration MAX_SLOW_CLIENT_TIME = Duration.ofHours(1);

    private static Duration bounded(JsonFields l, String field, Duration def, Duration min, Duration max) {
        Duration d = l.duration(field, def, true);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            l.error(field, Durations.format(d) + " is outside " + Durations.format(min) + ".." + Durations.format(max));
            return def;
        }
        return d;
    }

    private static UpstreamConfig upstream(JsonFields root) {
        JsonFields u = section(root, "upstream", List.of("maxIdlePerEndpoint", "poolIdleTimeout",
                "retryBudgetPercent", "retryBudgetMinPerSecond"));
        return new UpstreamConfig(
                u.integer("maxIdlePerEndpoint", 64, 0, 100_000),
                u.duration("poolIdleTimeout", Duration.ofSeconds(60), true),
                u.integer("retryBudgetPercent", 20, 0, 100),
                u.integer("retryBudgetMinPerSecond", 10, 0, 1_000_000));
    }

    /** {@code stdout}, {@code off}, or a file path (made absolute; its folder must exist). */
    private static String accessLog(JsonFields f, Path base) {
        JsonNode raw = f.get("accessLog");
        if (raw != null && raw.isBoolean()) {
            // the contract's own spelling `accessLog: off` is a YAML 1.1 boolean; take it as meant
            return raw.booleanValue() ? "stdout" : "off";
        }
        String text = f.string("accessLog", "stdout");
        if (text == null || text.equals("stdout") || text.equals("off")) {
            return text == null ? "stdout" : text;
        }
        Path p = path(f, "accessLog", base, null);
        if (p == null) {
            return "stdout";
        }
        if (p.getParent() != null && !Files.isDirectory(p.getParent())) {
            f.error("accessLog", "the folder " + p.getParent() + " does not exist; use stdout, off or a file path");
        }
        return p.toString();
    }
}
