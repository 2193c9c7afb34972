package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.SnapshotAssembler.Candidate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotAssemblerTest {

    private final Map<String, Candidate> routes = new LinkedHashMap<>();
    private final Map<String, Candidate> pools = new LinkedHashMap<>();

    private void route(String id, String extra) throws Exception {
        routes.put(id, Candidate.of(SpecCodecTest.json("{'id': '" + id + "', " + extra + "}"), "routes[" + id + "]"));
    }

    private void pool(String id, String address) throws Exception {
        pools.put(id, Candidate.of(SpecCodecTest.json("{'id': '" + id + "', 'endpoints': ['" + address + "']}"),
                "pools[" + id + "]"));
    }

    private ConfigSnapshot assemble(ConfigSnapshot previous) {
        return SnapshotAssembler.assemble("file", previous == null ? 1 : previous.revision() + 1, routes, pools,
                List.of(), previous);
    }

    private static List<String> ids(ConfigSnapshot s) {
        return s.routes().stream().map(RouteSpec::id).toList();
    }

    private static List<String> poolIds(ConfigSnapshot s) {
        return s.pools().stream().map(PoolSpec::id).toList();
    }

    private ConfigSnapshot baseline() throws Exception {
        pool("web", "127.0.0.1:8001");
        pool("api", "127.0.0.1:8002");
        route("zeta", "'pool': 'web'");
        route("alpha", "'pool': 'api', 'priority': 1");
        ConfigSnapshot s = assemble(null);
        assertEquals(List.of(), s.errors());
        return s;
    }

    @Test
    void appliesEverythingValidSortedById() throws Exception {
        ConfigSnapshot s = baseline();
        assertEquals(List.of("alpha", "zeta"), ids(s));
        assertEquals(List.of("api", "web"), poolIds(s));
        assertEquals("file", s.source());
        assertEquals(1, s.revision());
    }

    @Test
    void invalidUpdateKeepsTheLastGoodVersion() throws Exception {
        ConfigSnapshot before = baseline();
        route("alpha", "'pool': 'api', 'priority': 2, 'timeouts': {'connect': '5 seconds'}");
        pool("web", "no-port");
        ConfigSnapshot after = assemble(before);
        assertEquals(before.routes(), after.routes());
        assertEquals(before.pools(), after.pools());
        assertEquals(List.of(
                new ConfigError("pools[web].endpoints[0]", "\"no-port\" has no port; write it like 10.0.0.1:8080"),
                new ConfigError("pools[web]", "not applied; the last good version stays in force"),
                new ConfigError("routes[alpha].timeouts.connect", "\"5 seconds\" is not a duration like 250ms, 2s, 1m"),
                new ConfigError("routes[alpha]", "not applied; the last good version stays in force")),
                after.errors());
    }

    @Test
    void validUpdateNextToAnInvalidOneIsApplied() throws Exception {
        ConfigSnapshot before = baseline();
        route("alpha", "'pool': 'api', 'priority': 7");
        route("zeta", "'pool': 'web', 'priority': 'x'");
        ConfigSnapshot after = assemble(before);
        assertEquals(7, after.routes().get(0).priority());
        assertEquals(before.routes().get(1), after.routes().get(1));
        assertEquals(2, after.errors().size());
    }

    @Test
    void invalidNewObjectIsNotApplied() throws Exception {
        ConfigSnapshot before = baseline();
        route("new", "'pool': 'api', 'match': {'pathPrefix': 'no-slash'}");
        ConfigSnapshot after = assemble(before);
        assertEquals(List.of("alpha", "zeta"), ids(after));
        assertEquals(List.of(new ConfigError("routes[new].match.pathPrefix", "\"no-slash\" must start with /")),
                after.errors());
    }

    @Test
    void routeWithMissingPoolKeepsItsLastGoodVersion() throws Exception {
        ConfigSnapshot before = baseline();
        route("alpha", "'split': [{'pool': 'api'}, {'pool': 'canary'}]");
        ConfigSnapshot after = assemble(before);
        assertEquals(before.routes(), after.routes());
        assertEquals(List.of(new ConfigError("routes[alpha].split[1].pool", "pool canary does not exist"),
                new ConfigError("routes[alpha]", "not applied; the last good version stays in force")), after.errors());
    }

    @Test
    void routeNamingAnInvalidPoolIsNotAppliedWithoutHistory() throws Exception {
        pool("broken", "x");
        route("r", "'pool': 'broken'");
        ConfigSnapshot s = assemble(null);
        assertEquals(List.of(), s.routes());
        assertEquals(List.of(), s.pools());
        assertTrue(s.errors().contains(new ConfigError("routes[r].pool", "pool broken is not in force (it has errors)")),
                s.errors().toString());
    }

    @Test
    void deletedObjectsAreRemoved() throws Exception {
        ConfigSnapshot before = baseline();
        routes.remove("zeta");
        pools.remove("web");
        ConfigSnapshot after = assemble(before);
        assertEquals(List.of("alpha"), ids(after));
        assertEquals(List.of("api"), poolIds(after));
        assertEquals(List.of(), after.errors());
    }

    @Test
    void deletingAPoolInUseRemovesTheRouteAndSaysSo() throws Exception {
        ConfigSnapshot before = baseline();
        pools.remove("web");
        ConfigSnapshot after = assemble(before);
        assertEquals(List.of("alpha"), ids(after));
        assertEquals(List.of(new ConfigError("routes[zeta].pool", "pool web does not exist"),
                new ConfigError("routes[zeta]", "not applied, and its last good version names pool web, which is not"
                        + " in force: the route is removed")), after.errors());
    }

    @Test
    void brokenCandidateKeepsLastGoodAndReportsSourceErrors() throws Exception {
        ConfigSnapshot before = baseline();
        routes.put("zeta", Candidate.broken("routes[zeta]",
                List.of(new ConfigError("routes[zeta]", "not valid JSON: unexpected end"))));
        ConfigSnapshot after = SnapshotAssembler.assemble("etcd", 42, routes, pools,
                List.of(new ConfigError("routes[3]", "has no id")), before);
        assertEquals(before.routes(), after.routes());
        assertEquals(42, after.revision());
        assertEquals(List.of(new ConfigError("routes[3]", "has no id"),
                new ConfigError("routes[zeta]", "not valid JSON: unexpected end"),
                new ConfigError("routes[zeta]", "not applied; the last good version stays in force")), after.errors());
    }

    @Test
    void idMustMatchTheKeyItIsStoredUnder() throws Exception {
        routes.put("a", Candidate.of(SpecCodecTest.json("{'id': 'b', 'pool': 'p'}"), "routes[a]"));
        pool("p", "h:1");
        ConfigSnapshot s = assemble(null);
        assertEquals(List.of(), s.routes());
        assertEquals(List.of(new ConfigError("routes[a].id", "\"b\" differs from the id it is stored under, \"a\"")),
                s.errors());
    }

    @Test
    void deterministicWhateverTheInputOrder() throws Exception {
        ConfigSnapshot one = baseline();
        Map<String, Candidate> reversedRoutes = new LinkedHashMap<>();
        List.of("zeta", "alpha").forEach(k -> reversedRoutes.put(k, routes.get(k)));
        Map<String, Candidate> reversedPools = new LinkedHashMap<>();
        List.of("web", "api").forEach(k -> reversedPools.put(k, pools.get(k)));
        assertEquals(one, SnapshotAssembler.assemble("file", 1, reversedRoutes, reversedPools, List.of(), null));
        assertTrue(one.sameConfig(assemble(one)));
    }
}
