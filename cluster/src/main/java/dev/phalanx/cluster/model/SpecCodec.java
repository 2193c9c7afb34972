package dev.phalanx.cluster.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Map;

/**
 * The JSON form of routes and pools, both ways: {@link #parseRoute}/{@link #parsePool} validate (see
 * {@link RouteCodec}, {@link PoolCodec}); {@link #toJson(RouteSpec)}/{@link #toJson(PoolSpec)} write the same shape
 * with every default spelled out and null fields left out, so that parsing the output gives an equal record. Used for
 * admin {@code /config}, the persisted snapshot and etcd writes.
 */
public final class SpecCodec {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** A JSON mapper that rejects duplicate keys (a silent "last one wins" hides typos). Thread-safe. */
    public static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private SpecCodec() {
    }

    public static Parsed<RouteSpec> parseRoute(JsonNode json, String path) {
        return RouteCodec.parse(json, path);
    }

    public static Parsed<PoolSpec> parsePool(JsonNode json, String path) {
        return PoolCodec.parse(json, path);
    }

    /** Parses JSON text into a tree, rejecting duplicate keys. */
    public static JsonNode readTree(String json) throws JsonProcessingException {
        return JSON.readTree(json);
    }

    public static String toJsonString(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    public static ObjectNode toJson(RouteSpec r) {
        ObjectNode o = NODES.objectNode();
        o.put("id", r.id());
        o.put("priority", r.priority());
        o.set("match", match(r.match()));
        if (r.pool() != null) {
            o.put("pool", r.pool());
        } else {
            ArrayNode split = o.putArray("split");
            r.split().forEach(s -> split.addObject().put("pool", s.pool()).put("weight", s.weight()));
        }
        putIfNotNull(o, "stripPrefix", r.stripPrefix());
        putIfNotNull(o, "hostRewrite", r.hostRewrite());
        ObjectNode t = o.putObject("timeouts");
        t.put("connect", Durations.format(r.timeouts().connect()));
        t.put("response", Durations.format(r.timeouts().response()));
        t.put("idle", Durations.format(r.timeouts().idle()));
        ObjectNode retries = o.putObject("retries");
        retries.put("attempts", r.retries().attempts());
        strings(retries.putArray("on"), RouteCodec.canonicalConditions(r.retries().on()));
        if (r.rateLimit() != null) {
            o.putObject("rateLimit").put("key", r.rateLimit().key()).put("limit", r.rateLimit().limit())
                    .put("window", Durations.format(r.rateLimit().window()))
                    .put("maxWait", Durations.format(r.rateLimit().maxWait()));
        }
        if (r.maxBodyBytes() != null) {
            o.put("maxBodyBytes", r.maxBodyBytes());
        }
        o.set("requestHeaders", headerOps(r.requestHeaders()));
        o.set("responseHeaders", headerOps(r.responseHeaders()));
        if (r.forwarded() != null) {
            o.put("forwarded", r.forwarded());
        }
        putIfNotNull(o, "clientCertHeader", r.clientCertHeader());
        strings(o.putArray("upgrades"), r.upgrades());
        o.set("compression", CompressionCodec.toJson(r.compression()));
        if (r.cache() != null) {
            o.set("cache", CacheCodec.toJson(r.cache()));
        }
        return o;
    }

    public static ObjectNode toJson(PoolSpec p) {
        ObjectNode o = NODES.objectNode();
        o.put("id", p.id());
        o.put("lb", p.lb().configName());
        ArrayNode endpoints = o.putArray("endpoints");
        p.endpoints().forEach(e -> {
            ObjectNode endpoint = endpoints.addObject().put("address", e.address()).put("weight", e.weight());
            putIfNotNull(endpoint, "maxConnections", e.maxConnections());
            putIfNotNull(endpoint, "maxRequests", e.maxRequests());
        });
        if (p.hashOn() != null) {
            o.put("hashOn", p.hashOn().configValue());
        }
        HealthCheckSpec h = p.healthCheck();
        if (h != null) {
            ObjectNode hc = o.putObject("healthCheck");
            hc.put("path", h.path());
            hc.put("interval", Durations.format(h.interval()));
            hc.put("timeout", Durations.format(h.timeout()));
            hc.put("rise", h.rise());
            hc.put("fall", h.fall());
            ArrayNode codes = hc.putArray("expectStatus");
            h.expectStatus().forEach(codes::add);
        }
        OutlierSpec out = p.outlier();
        if (out != null) {
            ObjectNode oj = o.putObject("outlier").put("consecutiveFailures", out.consecutiveFailures())
                    .put("ejection", Durations.format(out.ejection()))
                    .put("maxEjectedPercent", out.maxEjectedPercent());
            OutlierSpec.FailureRateSpec rate = out.failureRate();
            if (rate != null) {
                oj.putObject("failureRate").put("threshold", rate.thresholdPercent())
                        .put("minRequests", rate.minRequests()).put("window", Durations.format(rate.window()));
            }
        }
        RetryBudgetSpec budget = p.retryBudget();
        if (budget != null) {
            ObjectNode b = o.putObject("retryBudget");
            if (budget.percent() != null) {
                b.put("percent", budget.percent());
            }
            if (budget.minRetriesPerSecond() != null) {
                b.put("minRetriesPerSecond", budget.minRetriesPerSecond());
            }
        }
        SlowStartSpec slow = p.slowStart();
        if (slow != null) {
            o.putObject("slowStart").put("window", Durations.format(slow.window()))
                    .put("minWeightPercent", slow.minWeightPercent());
        }
        PoolLimitsSpec limits = p.limits();
        if (limits != null) {
            ObjectNode l = o.putObject("limits");
            putIfNotNull(l, "maxConnections", limits.maxConnections());
            putIfNotNull(l, "maxRequests", limits.maxRequests());
            l.putObject("queue").put("size", limits.queueSize())
                    .put("timeout", Durations.format(limits.queueTimeout()));
        }
        return o;
    }

    private static ObjectNode match(MatchSpec m) {
        ObjectNode o = NODES.objectNode();
        strings(o.putArray("hosts"), m.hosts());
        putIfNotNull(o, "path", m.path());
        putIfNotNull(o, "pathPrefix", m.pathPrefix());
        putIfNotNull(o, "pathRegex", m.pathRegex());
        strings(o.putArray("methods"), m.methods());
        o.set("headers", stringMap(m.headers()));
        return o;
    }

    private static ObjectNode headerOps(HeaderOpsSpec h) {
        ObjectNode o = NODES.objectNode();
        o.set("set", stringMap(h.set()));
        strings(o.putArray("remove"), h.remove());
        return o;
    }

    private static ObjectNode stringMap(Map<String, String> map) {
        ObjectNode o = NODES.objectNode();
        map.forEach(o::put);
        return o;
    }

    private static void strings(ArrayNode array, Collection<String> values) {
        values.forEach(array::add);
    }

    private static void putIfNotNull(ObjectNode o, String field, Integer value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static void putIfNotNull(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }
}
