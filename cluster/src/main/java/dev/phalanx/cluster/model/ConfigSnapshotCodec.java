package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON form of a whole {@link ConfigSnapshot}: {@code {"source", "revision", "routes": [..], "pools": [..],
 * "errors": [{"path", "message"}]}}. It is the body of admin {@code /config} and the persisted last-good file.
 * Reading re-validates every route and pool, so a hand-edited or damaged file cannot smuggle in a bad object.
 */
public final class ConfigSnapshotCodec {

    private static final List<String> FIELDS = List.of("source", "revision", "routes", "pools", "errors");
    private static final List<String> ERROR_FIELDS = List.of("path", "message");

    private ConfigSnapshotCodec() {
    }

    public static ObjectNode toJson(ConfigSnapshot s) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("source", s.source());
        o.put("revision", s.revision());
        ArrayNode routes = o.putArray("routes");
        s.routes().forEach(r -> routes.add(SpecCodec.toJson(r)));
        ArrayNode pools = o.putArray("pools");
        s.pools().forEach(p -> pools.add(SpecCodec.toJson(p)));
        ArrayNode errors = o.putArray("errors");
        s.errors().forEach(e -> errors.addObject().put("path", e.path()).put("message", e.message()));
        return o;
    }

    /**
     * Reads a snapshot written by {@link #toJson}. Any problem (shape, an invalid route or pool, a route naming a
     * missing pool) makes the whole snapshot unusable: it is a record of what was in force, so it must be whole.
     */
    public static Parsed<ConfigSnapshot> fromJson(JsonNode json) {
        List<ConfigError> errors = new ArrayList<>();
        JsonFields f = JsonFields.of(json, "", errors, FIELDS);
        String source = f.string("source", null);
        if (source == null && !f.has("source")) {
            f.error("source", "required: file or etcd");
        }
        Long revision = f.longValue("revision", 0L, 0, Long.MAX_VALUE);
        List<PoolSpec> pools = new ArrayList<>();
        List<JsonNode> poolNodes = f.list("pools");
        for (int i = 0; poolNodes != null && i < poolNodes.size(); i++) {
            Parsed<PoolSpec> p = PoolCodec.parse(poolNodes.get(i), "pools[" + i + "]");
            errors.addAll(p.errors());
            if (p.ok()) {
                pools.add(p.value());
            }
        }
        Set<String> poolIds = new HashSet<>();
        for (PoolSpec p : pools) {
            if (!poolIds.add(p.id())) {
                errors.add(new ConfigError("pools", "pool " + p.id() + " is listed twice"));
            }
        }
        Set<String> routeIds = new HashSet<>();
        List<RouteSpec> routes = new ArrayList<>();
        List<JsonNode> routeNodes = f.list("routes");
        for (int i = 0; routeNodes != null && i < routeNodes.size(); i++) {
            Parsed<RouteSpec> r = RouteCodec.parse(routeNodes.get(i), "routes[" + i + "]");
            errors.addAll(r.errors());
            if (r.ok()) {
                for (SplitSpec t : r.value().targets()) {
                    if (!poolIds.contains(t.pool())) {
                        errors.add(new ConfigError("routes[" + i + "]", "names pool " + t.pool()
                                + ", which the snapshot does not hold"));
                    }
                }
                if (!routeIds.add(r.value().id())) {
                    errors.add(new ConfigError("routes", "route " + r.value().id() + " is listed twice"));
                }
                routes.add(r.value());
            }
        }
        List<ConfigError> recorded = new ArrayList<>();
        List<JsonNode> errorNodes = f.list("errors");
        for (int i = 0; errorNodes != null && i < errorNodes.size(); i++) {
            JsonFields e = JsonFields.of(errorNodes.get(i), "errors[" + i + "]", errors, ERROR_FIELDS);
            recorded.add(new ConfigError(e.string("path", ""), e.string("message", "")));
        }
        if (!errors.isEmpty()) {
            return new Parsed<>(null, errors);
        }
        routes.sort(Comparator.comparing(RouteSpec::id));
        pools.sort(Comparator.comparing(PoolSpec::id));
        return new Parsed<>(new ConfigSnapshot(source, revision, List.copyOf(routes), List.copyOf(pools),
                List.copyOf(recorded)), List.of());
    }
}
