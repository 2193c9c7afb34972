package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds the next {@link ConfigSnapshot} from what a config source holds now (shared by the file and etcd sources).
 * <ul>
 *   <li>every valid object is applied;</li>
 *   <li>an invalid object is not applied: its last good version (from {@code previous}) stays in force;</li>
 *   <li>a route naming a pool that is not in force is not applied either (its last good version stays, if the pools
 *       that version names are in force);</li>
 *   <li>an object the source no longer holds is removed.</li>
 * </ul>
 * Every problem is listed in the snapshot's errors, in a fixed order (source errors, pools by id, routes by id), and
 * routes and pools are sorted by id, so equal inputs give equal snapshots.
 */
public final class SnapshotAssembler {

    /**
     * One object as the source holds it. {@code json} is its value ({@code null} when the source could not read
     * it); {@code path} is where its errors are reported (e.g. {@code routes[api]}); {@code sourceErrors} are
     * problems the source found itself (unreadable value, key and id differ, id used twice) and make the object
     * invalid.
     */
    public record Candidate(JsonNode json, String path, List<ConfigError> sourceErrors) {
        public Candidate {
            sourceErrors = List.copyOf(sourceErrors);
        }

        public static Candidate of(JsonNode json, String path) {
            return new Candidate(json, path, List.of());
        }

        public static Candidate broken(String path, List<ConfigError> errors) {
            return new Candidate(null, path, errors);
        }
    }

    private SnapshotAssembler() {
    }

    /**
     * @param routes       route candidates by id (the id the source stores them under)
     * @param pools        pool candidates by id
     * @param sourceErrors problems not tied to one object id (e.g. an entry without an id), listed first
     * @param previous     the snapshot in force now, or null when there is none
     */
    public static ConfigSnapshot assemble(String source, long revision, Map<String, Candidate> routes,
                                          Map<String, Candidate> pools, List<ConfigError> sourceErrors,
                                          ConfigSnapshot previous) {
        Map<String, RouteSpec> previousRoutes = new HashMap<>();
        Map<String, PoolSpec> previousPools = new HashMap<>();
        if (previous != null) {
            previous.routes().forEach(r -> previousRoutes.put(r.id(), r));
            previous.pools().forEach(p -> previousPools.put(p.id(), p));
        }
        List<ConfigError> errors = new ArrayList<>(sourceErrors);

        TreeMap<String, PoolSpec> poolsInForce = new TreeMap<>();
        for (String id : new TreeSet<>(pools.keySet())) {
            Candidate c = pools.get(id);
            PoolSpec pool = validPool(id, c, errors);
            if (pool != null) {
                poolsInForce.put(id, pool);
            } else if (previousPools.containsKey(id)) {
                poolsInForce.put(id, previousPools.get(id));
                errors.add(new ConfigError(c.path(), "not applied; the last good version stays in force"));
            }
        }

        TreeMap<String, RouteSpec> routesInForce = new TreeMap<>();
        for (String id : new TreeSet<>(routes.keySet())) {
            Candidate c = routes.get(id);
            RouteSpec route = validRoute(id, c, errors);
            if (route != null && !missingPools(route, c.path(), poolsInForce, pools, errors)) {
                routesInForce.put(id, route);
                continue;
            }
            RouteSpec lastGood = previousRoutes.get(id);
            if (lastGood == null) {
                continue;
            }
            String gone = firstMissingPool(lastGood, poolsInForce);
            if (gone == null) {
                routesInForce.put(id, lastGood);
                errors.add(new ConfigError(c.path(), "not applied; the last good version stays in force"));
            } else {
                errors.add(new ConfigError(c.path(), "not applied, and its last good version names pool " + gone
                        + ", which is not in force: the route is removed"));
            }
        }
        return new ConfigSnapshot(source, revision, List.copyOf(routesInForce.values()),
                List.copyOf(poolsInForce.values()), List.copyOf(errors));
    }

    private static PoolSpec validPool(String id, Candidate c, List<ConfigError> errors) {
        if (!c.sourceErrors().isEmpty()) {
            errors.addAll(c.sourceErrors());
            return null;
        }
        Parsed<PoolSpec> parsed = PoolCodec.parse(c.json(), c.path());
        errors.addAll(parsed.errors());
        if (parsed.ok() && !parsed.value().id().equals(id)) {
            errors.add(idMismatch(c, parsed.value().id(), id));
            return null;
        }
        return parsed.value();
    }

    private static RouteSpec validRoute(String id, Candidate c, List<ConfigError> errors) {
        if (!c.sourceErrors().isEmpty()) {
            errors.addAll(c.sourceErrors());
            return null;
        }
        Parsed<RouteSpec> parsed = RouteCodec.parse(c.json(), c.path());
        errors.addAll(parsed.errors());
        if (parsed.ok() && !parsed.value().id().equals(id)) {
            errors.add(idMismatch(c, parsed.value().id(), id));
            return null;
        }
        return parsed.value();
    }

    private static ConfigError idMismatch(Candidate c, String written, String storedUnder) {
        return new ConfigError(c.path() + ".id", "\"" + written + "\" differs from the id it is stored under, \""
                + storedUnder + "\"");
    }

    /** Reports each target pool that is not in force; true when there was one. */
    private static boolean missingPools(RouteSpec route, String path, Map<String, PoolSpec> inForce,
                                        Map<String, Candidate> candidates, List<ConfigError> errors) {
        boolean missing = false;
        for (int i = 0; i < route.targets().size(); i++) {
            String pool = route.targets().get(i).pool();
            if (inForce.containsKey(pool)) {
                continue;
            }
            missing = true;
            String where = route.pool() != null ? path + ".pool" : path + ".split[" + i + "].pool";
            errors.add(new ConfigError(where, candidates.containsKey(pool)
                    ? "pool " + pool + " is not in force (it has errors)"
                    : "pool " + pool + " does not exist"));
        }
        return missing;
    }

    private static String firstMissingPool(RouteSpec route, Map<String, PoolSpec> inForce) {
        for (SplitSpec t : route.targets()) {
            if (!inForce.containsKey(t.pool())) {
                return t.pool();
            }
        }
        return null;
    }
}
