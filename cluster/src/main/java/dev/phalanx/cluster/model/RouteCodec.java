package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a {@link RouteSpec} from its JSON form (docs/contract.md#routes-and-pools), fills the defaults and checks every
 * rule, reporting all problems with paths below the {@code path} given by the caller (e.g. {@code routes[api]}).
 * Whether the pools it names exist is checked later, by {@link SnapshotAssembler}.
 */
public final class RouteCodec {

    public static final List<String> FIELDS = List.of("id", "priority", "match", "pool", "split", "stripPrefix",
            "hostRewrite", "timeouts", "retries", "rateLimit", "maxBodyBytes", "requestHeaders", "responseHeaders",
            "forwarded", "clientCertHeader", "upgrades", "compression", "cache");
    /**
     * Upgrade protocols no route may tunnel: HTTP/2 never starts with an HTTP/1.1 {@code Upgrade} through a proxy
     * (a tunnelled {@code h2c} would carry requests past routing, limits and header rules: "h2c smuggling").
     */
    public static final List<String> FORBIDDEN_UPGRADES = List.of("h2c", "h2");
    /** Retry conditions in their canonical order. */
    public static final List<String> RETRY_CONDITIONS =
            List.of("connect-failure", "reset", "timeout", "502", "503", "504");
    public static final int MAX_RETRY_ATTEMPTS = 5;
    public static final int MAX_SPLIT_WEIGHT = 1_000_000;
    static final int MAX_PRIORITY = 1_000_000;

    private static final List<String> SPLIT_FIELDS = List.of("pool", "weight");
    private static final List<String> TIMEOUT_FIELDS = List.of("connect", "response", "idle");
    private static final List<String> RETRY_FIELDS = List.of("attempts", "on");
    private static final List<String> RATE_LIMIT_FIELDS = List.of("key", "limit", "window", "maxWait");

    private RouteCodec() {
    }

    public static Parsed<RouteSpec> parse(JsonNode json, String path) {
        List<ConfigError> errors = new ArrayList<>();
        JsonFields f = JsonFields.of(json, path, errors, FIELDS);
        if (json == null || !json.isObject()) {
            return new Parsed<>(null, errors);
        }
        String id = id(f, "id");
        int priority = f.integer("priority", 0, -MAX_PRIORITY, MAX_PRIORITY);
        MatchSpec match = MatchCodec.parse(f.get("match"), f.path("match"), errors);
        String pool = f.has("pool") ? id(f, "pool") : null;
        List<SplitSpec> split = split(f);
        if (f.has("pool") && f.has("split")) {
            errors.add(new ConfigError(path, "pool and split exclude each other; set one of them"));
        } else if (!f.has("pool") && !f.has("split")) {
            errors.add(new ConfigError(path, "needs a pool, or a split over several pools"));
        }
        String stripPrefix = f.string("stripPrefix", null);
        if (stripPrefix != null && Syntax.pathProblem(stripPrefix) != null) {
            f.error("stripPrefix", Syntax.pathProblem(stripPrefix));
        }
        String hostRewrite = hostRewrite(f);
        TimeoutsSpec timeouts = timeouts(f);
        RetriesSpec retries = retries(f);
        RateLimitSpec rateLimit = rateLimit(f);
        Long maxBodyBytes = f.longValue("maxBodyBytes", null, 0, Long.MAX_VALUE);
        HeaderOpsSpec requestHeaders =
                HeaderOpsCodec.parse(f.get("requestHeaders"), f.path("requestHeaders"), true, errors);
        HeaderOpsSpec responseHeaders =
                HeaderOpsCodec.parse(f.get("responseHeaders"), f.path("responseHeaders"), false, errors);
        Boolean forwarded = f.bool("forwarded", null);
        String clientCertHeader = clientCertHeader(f);
        List<String> upgrades = upgrades(f);
        CompressionSpec compression = CompressionCodec.parse(f.get("compression"), f.path("compression"), errors);
        CacheSpec cache = CacheCodec.parse(f.get("cache"), f.path("cache"), errors);
        RouteSpec spec = errors.isEmpty()
                ? new RouteSpec(id, priority, match, pool, split, stripPrefix, hostRewrite, timeouts, retries,
                        rateLimit, maxBodyBytes, requestHeaders, responseHeaders, forwarded, clientCertHeader,
                        upgrades, compression, cache)
                : null;
        return new Parsed<>(spec, errors);
    }

    /** The header name for the mTLS client subject, lower-cased; hop-by-hop and framing names are refused. */
    private static String clientCertHeader(JsonFields f) {
        String name = f.string("clientCertHeader", null);
        if (name == null) {
            return null;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (!Syntax.isToken(name)) {
            f.error("clientCertHeader", "\"" + name + "\" is not a header name like x-client-cert-subject");
            return null;
        }
        if (List.of("host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer",
                "keep-alive", "proxy-connection", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
                "x-real-ip", "forwarded", "x-request-id").contains(lower)) {
            f.error("clientCertHeader", lower + " is set by the proxy itself; choose another name, like"
                    + " x-client-cert-subject");
            return null;
        }
        return lower;
    }

    /**
     * The protocols an {@code Upgrade} may switch to through the route: tokens (the name without a version, e.g.
     * {@code websocket}), lower-cased, each once; {@code []} tunnels none. Absent: {@link RouteSpec#DEFAULT_UPGRADES}.
     */
    private static List<String> upgrades(JsonFields f) {
        List<JsonNode> items = f.list("upgrades");
        if (items == null) {
            return RouteSpec.DEFAULT_UPGRADES;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("upgrades") + "[" + i + "]";
            String name = JsonFields.text(items.get(i), p, f.errors());
            if (name == null) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (!Syntax.isToken(name)) {
                f.errors().add(new ConfigError(p, "\"" + name + "\" is not an upgrade protocol name like websocket"
                        + " (a token, without a /version)"));
            } else if (FORBIDDEN_UPGRADES.contains(lower)) {
                f.errors().add(new ConfigError(p, lower + " cannot be tunnelled: HTTP/2 through an HTTP/1.1 Upgrade"
                        + " would pass requests by routing, limits and header rules (h2c smuggling); serve HTTP/2 with"
                        + " listeners[].h2c or TLS (ALPN h2) instead"));
            } else if (out.contains(lower)) {
                f.errors().add(new ConfigError(p, lower + " is listed twice"));
            } else {
                out.add(lower);
            }
        }
        return List.copyOf(out);
    }

    /** A required id-shaped field (route id, pool reference). */
    static String id(JsonFields f, String field) {
        if (!f.has(field)) {
            f.error(field, "required: an id like api-v1");
            return null;
        }
        String id = f.string(field, null);
        if (id != null && Syntax.idProblem(id) != null) {
            f.error(field, Syntax.idProblem(id));
        }
        return id;
    }

    private static List<SplitSpec> split(JsonFields f) {
        List<JsonNode> items = f.list("split");
        if (items == null) {
            return List.of();
        }
        if (items.isEmpty()) {
            f.error("split", "is empty; list at least one {pool, weight}");
        }
        List<SplitSpec> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            JsonFields s = JsonFields.of(items.get(i), f.path("split") + "[" + i + "]", f.errors(), SPLIT_FIELDS);
            String pool = id(s, "pool");
            int weight = s.integer("weight", 1, 1, MAX_SPLIT_WEIGHT);
            if (pool != null && !seen.add(pool)) {
                s.error("pool", "pool " + pool + " appears twice in the split; give it one weight");
            }
            out.add(new SplitSpec(pool, weight));
        }
        return List.copyOf(out);
    }

    /** {@code host} or {@code host:port}, lower-cased; IPv6 in brackets. */
    private static String hostRewrite(JsonFields f) {
        String text = f.string("hostRewrite", null);
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        boolean hasPort = t.startsWith("[") ? t.indexOf("]:") > 0 : t.indexOf(':') >= 0;
        try {
            HostPort hp = Syntax.parseHostPort(t, 0, 1);
            String host = hp.host().indexOf(':') >= 0 ? "[" + hp.host() + "]" : hp.host();
            return hasPort ? host + ":" + hp.port() : host;
        } catch (IllegalArgumentException e) {
            f.error("hostRewrite", e.getMessage().replace("an address like 10.0.0.1:8080 or [::1]:8080",
                    "a host like api.internal or api.internal:8080"));
            return null;
        }
    }

    private static TimeoutsSpec timeouts(JsonFields f) {
        JsonFields t = f.object("timeouts", TIMEOUT_FIELDS);
        if (t == null) {
            return TimeoutsSpec.DEFAULT;
        }
        TimeoutsSpec d = TimeoutsSpec.DEFAULT;
        return new TimeoutsSpec(t.duration("connect", d.connect(), true), t.duration("response", d.response(), true),
                t.duration("idle", d.idle(), true));
    }

    private static RetriesSpec retries(JsonFields f) {
        JsonFields r = f.object("retries", RETRY_FIELDS);
        if (r == null) {
            return RetriesSpec.DEFAULT;
        }
        int attempts = r.integer("attempts", RetriesSpec.DEFAULT.attempts(), 0, MAX_RETRY_ATTEMPTS);
        List<JsonNode> on = r.list("on");
        if (on == null) {
            return new RetriesSpec(attempts, RetriesSpec.DEFAULT.on());
        }
        Set<String> wanted = new HashSet<>();
        for (int i = 0; i < on.size(); i++) {
            JsonNode v = on.get(i);
            String p = r.path("on") + "[" + i + "]";
            String cond = v.isIntegralNumber() ? v.asText() : JsonFields.text(v, p, f.errors());
            if (cond == null) {
                continue;
            }
            if (!RETRY_CONDITIONS.contains(cond)) {
                f.errors().add(new ConfigError(p, "\"" + cond + "\" is not a retry condition; use "
                        + String.join(", ", RETRY_CONDITIONS)));
            } else {
                wanted.add(cond);
            }
        }
        return new RetriesSpec(attempts, canonicalConditions(wanted));
    }

    /** The conditions as an unmodifiable set iterating in {@link #RETRY_CONDITIONS} order. */
    static Set<String> canonicalConditions(Set<String> conditions) {
        LinkedHashSet<String> ordered = new LinkedHashSet<>();
        for (String c : RETRY_CONDITIONS) {
            if (conditions.contains(c)) {
                ordered.add(c);
            }
        }
        return Collections.unmodifiableSet(ordered);
    }

    private static RateLimitSpec rateLimit(JsonFields f) {
        JsonFields r = f.object("rateLimit", RATE_LIMIT_FIELDS);
        if (r == null) {
            return null;
        }
        String key = r.string("key", "client-ip");
        if (key != null) {
            key = keyOf(key);
            if (key == null) {
                r.error("key", "\"" + r.string("key", "") + "\" is not a rate-limit key; use client-ip, route or"
                        + " header:NAME");
            }
        }
        Long limit = r.longValue("limit", null, 1, 1_000_000_000L);
        if (!r.has("limit")) {
            r.error("limit", "required: the number of requests allowed per window");
        }
        Duration window = r.duration("window", Duration.ofSeconds(1), true);
        Duration maxWait = r.duration("maxWait", RateLimitSpec.DEFAULT_MAX_WAIT, false);
        if (maxWait.compareTo(RateLimitSpec.MAX_MAX_WAIT) > 0) {
            r.error("maxWait", "at most " + Durations.format(RateLimitSpec.MAX_MAX_WAIT)
                    + " (a request holds its connection while it waits)");
            maxWait = RateLimitSpec.DEFAULT_MAX_WAIT;
        }
        return limit == null ? null : new RateLimitSpec(key, limit, window, maxWait);
    }

    /** Normalizes {@code client-ip}, {@code route}, {@code header:NAME} (name lower-cased); null if malformed. */
    static String keyOf(String key) {
        if (key.equals("client-ip") || key.equals("route")) {
            return key;
        }
        if (key.startsWith("header:") && Syntax.isToken(key.substring(7))) {
            return "header:" + key.substring(7).toLowerCase(Locale.ROOT);
        }
        return null;
    }
}
