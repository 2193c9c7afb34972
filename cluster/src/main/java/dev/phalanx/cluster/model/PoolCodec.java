package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a {@link PoolSpec} from its JSON form (docs/contract.md#routes-and-pools), fills the defaults and checks every
 * rule, reporting all problems with paths below the {@code path} given by the caller (e.g. {@code pools[api-v1]}).
 * An endpoint may also be written as a bare {@code "host:port"} string (weight 1).
 */
public final class PoolCodec {

    public static final List<String> FIELDS = List.of("id", "lb", "endpoints", "hashOn", "healthCheck", "outlier",
            "retryBudget", "slowStart", "limits");
    public static final int MAX_ENDPOINT_WEIGHT = 10_000;
    /** Health-check defaults when {@code healthCheck} is present. */
    public static final HealthCheckSpec HEALTH_CHECK_DEFAULTS =
            new HealthCheckSpec("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3, List.of(200));
    /** Outlier-ejection defaults when {@code outlier} is present. */
    public static final OutlierSpec OUTLIER_DEFAULTS = PoolProtectionReader.OUTLIER_DEFAULTS;

    private static final List<String> ENDPOINT_FIELDS = List.of("address", "weight", "maxConnections", "maxRequests");
    private static final List<String> HEALTH_FIELDS =
            List.of("path", "interval", "timeout", "rise", "fall", "expectStatus");
    private static final String LB_NAMES =
            Arrays.stream(LbPolicy.values()).map(LbPolicy::configName).collect(Collectors.joining(", "));

    private PoolCodec() {
    }

    public static Parsed<PoolSpec> parse(JsonNode json, String path) {
        List<ConfigError> errors = new ArrayList<>();
        JsonFields f = JsonFields.of(json, path, errors, FIELDS);
        if (json == null || !json.isObject()) {
            return new Parsed<>(null, errors);
        }
        String id = RouteCodec.id(f, "id");
        String lbName = f.string("lb", LbPolicy.ROUND_ROBIN.configName());
        LbPolicy lb = lbName == null ? null : LbPolicy.fromConfigName(lbName.toLowerCase(Locale.ROOT));
        if (lb == null && lbName != null) {
            f.error("lb", "\"" + lbName + "\" is not a balancing policy; use one of " + LB_NAMES);
        }
        List<EndpointSpec> endpoints = endpoints(f);
        HashOn hashOn = hashOn(f, lb);
        HealthCheckSpec healthCheck = healthCheck(f);
        OutlierSpec outlier = PoolProtectionReader.outlier(f);
        RetryBudgetSpec retryBudget = PoolProtectionReader.retryBudget(f);
        SlowStartSpec slowStart = PoolProtectionReader.slowStart(f, lb);
        PoolLimitsSpec limits = PoolLimitsReader.limits(f);
        PoolLimitsReader.checkSomethingIsCapped(f, limits, endpoints);
        PoolSpec spec = errors.isEmpty() ? new PoolSpec(id, lb, endpoints, hashOn, healthCheck, outlier, retryBudget,
                slowStart, limits) : null;
        return new Parsed<>(spec, errors);
    }

    private static List<EndpointSpec> endpoints(JsonFields f) {
        List<JsonNode> items = f.list("endpoints");
        if (items == null || items.isEmpty()) {
            if (items == null || f.get("endpoints").isArray()) {
                f.error("endpoints", "needs at least one endpoint like {\"address\": \"10.0.1.10:8080\"}");
            }
            return List.of();
        }
        List<EndpointSpec> out = new ArrayList<>();
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("endpoints") + "[" + i + "]";
            JsonNode item = items.get(i);
            String address;
            int weight = 1;
            Integer maxConnections = null;
            Integer maxRequests = null;
            String addressPath = p;
            if (item.isTextual()) {
                address = item.textValue();
            } else {
                JsonFields e = JsonFields.of(item, p, f.errors(), ENDPOINT_FIELDS);
                addressPath = e.path("address");
                address = e.string("address", null);
                if (!e.has("address")) {
                    e.error("address", "required: host:port like 10.0.1.10:8080");
                }
                weight = e.integer("weight", 1, 1, MAX_ENDPOINT_WEIGHT);
                maxConnections = PoolLimitsReader.cap(e, "maxConnections");
                maxRequests = PoolLimitsReader.cap(e, "maxRequests");
            }
            if (address == null) {
                continue;
            }
            String normalized;
            try {
                normalized = Syntax.parseHostPort(address, -1, 1).toString();
            } catch (IllegalArgumentException ex) {
                f.errors().add(new ConfigError(addressPath, ex.getMessage()));
                continue;
            }
            Integer first = firstIndex.putIfAbsent(normalized, i);
            if (first != null) {
                f.errors().add(new ConfigError(addressPath, normalized + " is already endpoints[" + first
                        + "]; list each address once and use weight instead"));
                continue;
            }
            out.add(new EndpointSpec(normalized, weight, maxConnections, maxRequests));
        }
        return List.copyOf(out);
    }

    private static HashOn hashOn(JsonFields f, LbPolicy lb) {
        String text = f.string("hashOn", null);
        if (lb != LbPolicy.CONSISTENT_HASH) {
            if (text != null && lb != null) {
                f.error("hashOn", "only applies to lb consistent-hash (this pool uses " + lb.configName() + ")");
            }
            return null;
        }
        if (text == null) {
            if (!f.has("hashOn")) {
                f.error("hashOn", "required with lb consistent-hash: client-ip, path, header:NAME or cookie:NAME");
            }
            return null;
        }
        HashOn h = hashOnOf(text);
        if (h == null) {
            f.error("hashOn", "\"" + text + "\" is not a hash key; use client-ip, path, header:NAME or cookie:NAME");
        }
        return h;
    }

    /** Parses the config spelling of a hash key; null when malformed. Header names are lower-cased. */
    public static HashOn hashOnOf(String text) {
        if (text.equals("client-ip")) {
            return new HashOn(HashOn.Kind.CLIENT_IP, null);
        }
        if (text.equals("path")) {
            return new HashOn(HashOn.Kind.PATH, null);
        }
        if (text.startsWith("header:") && Syntax.isToken(text.substring(7))) {
            return new HashOn(HashOn.Kind.HEADER, text.substring(7).toLowerCase(Locale.ROOT));
        }
        if (text.startsWith("cookie:") && Syntax.isToken(text.substring(7))) {
            return new HashOn(HashOn.Kind.COOKIE, text.substring(7));
        }
        return null;
    }

    private static HealthCheckSpec healthCheck(JsonFields f) {
        JsonFields h = f.object("healthCheck", HEALTH_FIELDS);
        if (h == null) {
            return null;
        }
        HealthCheckSpec d = HEALTH_CHECK_DEFAULTS;
        String path = h.string("path", d.path());
        if (path != null) {
            int query = path.indexOf('?');
            String problem = Syntax.pathProblem(query < 0 ? path : path.substring(0, query));
            if (problem != null) {
                h.error("path", problem);
            }
        }
        Duration interval = h.duration("interval", d.interval(), true);
        Duration timeout = h.duration("timeout", d.timeout(), true);
        if (timeout.compareTo(interval) > 0) {
            h.error("timeout", Durations.format(timeout) + " is longer than the interval "
                    + Durations.format(interval) + "; a probe must end before the next one starts");
        }
        int rise = h.integer("rise", d.rise(), 1, 100);
        int fall = h.integer("fall", d.fall(), 1, 100);
        List<Integer> expect = d.expectStatus();
        List<JsonNode> items = h.list("expectStatus");
        if (items != null) {
            LinkedHashSet<Integer> codes = new LinkedHashSet<>();
            for (int i = 0; i < items.size(); i++) {
                Long code = JsonFields.wholeNumber(items.get(i), h.path("expectStatus") + "[" + i + "]", 100, 599,
                        f.errors(), null);
                if (code != null) {
                    codes.add(code.intValue());
                }
            }
            if (items.isEmpty()) {
                h.error("expectStatus", "is empty; list the status codes of a healthy answer, like [200]");
            }
            expect = List.copyOf(codes);
        }
        return new HealthCheckSpec(path, interval, timeout, rise, fall, expect);
    }
}
