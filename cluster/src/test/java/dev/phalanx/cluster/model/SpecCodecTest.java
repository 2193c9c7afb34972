package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SpecCodecTest {

    static JsonNode json(String singleQuoted) throws Exception {
        return SpecCodec.readTree(singleQuoted.replace('\'', '"'));
    }

    static RouteSpec route(String singleQuoted) throws Exception {
        Parsed<RouteSpec> p = SpecCodec.parseRoute(json(singleQuoted), "routes[x]");
        assertTrue(p.ok(), () -> p.errors().toString());
        return p.value();
    }

    static PoolSpec pool(String singleQuoted) throws Exception {
        Parsed<PoolSpec> p = SpecCodec.parsePool(json(singleQuoted), "pools[x]");
        assertTrue(p.ok(), () -> p.errors().toString());
        return p.value();
    }

    static final String FULL_ROUTE = "{ 'id': 'api', 'priority': 10,"
            + " 'match': { 'hosts': ['API.example.com', '*.example.org', '[::1]'], 'pathPrefix': '/api/',"
            + "   'path': null, 'pathRegex': null, 'methods': ['get', 'POST'], 'headers': {'X-Canary': '1'} },"
            + " 'split': [ {'pool': 'api-v1', 'weight': 95}, {'pool': 'api-v2', 'weight': 5} ],"
            + " 'stripPrefix': '/api', 'hostRewrite': 'Internal.example:8080',"
            + " 'timeouts': { 'connect': '1s', 'response': '30s', 'idle': '1m30s' },"
            + " 'retries': { 'attempts': 2, 'on': ['503', 'connect-failure', 'reset', '502'] },"
            + " 'rateLimit': { 'key': 'header:X-User', 'limit': 100, 'window': '1s' },"
            + " 'maxBodyBytes': 1048576, 'forwarded': true, 'clientCertHeader': 'X-Client-Subject',"
            + " 'upgrades': ['WebSocket', 'my-proto'],"
            + " 'requestHeaders': { 'set': {'X-Env': 'prod'}, 'remove': ['X-Debug'] },"
            + " 'responseHeaders': { 'set': {}, 'remove': ['server'] } }";

    static final String FULL_POOL = "{ 'id': 'api-v1', 'lb': 'consistent-hash', 'hashOn': 'header:X-User',"
            + " 'endpoints': [ {'address': '10.0.1.10:8080', 'weight': 1}, {'address': 'Backend.local:8080', 'weight': 2},"
            + "   '[::1]:9000' ],"
            + " 'healthCheck': { 'path': '/healthz', 'interval': '2s', 'timeout': '1s', 'rise': 2, 'fall': 3,"
            + "   'expectStatus': [200, 204] },"
            + " 'outlier': { 'consecutiveFailures': 5, 'ejection': '30s', 'maxEjectedPercent': 50 } }";

    @Test
    void fullRouteIsNormalized() throws Exception {
        RouteSpec r = route(FULL_ROUTE);
        assertEquals("api", r.id());
        assertEquals(List.of("api.example.com", "*.example.org", "[::1]"), r.match().hosts());
        assertEquals(List.of("GET", "POST"), r.match().methods());
        assertEquals(Map.of("x-canary", "1"), r.match().headers());
        assertNull(r.pool());
        assertEquals(List.of(new SplitSpec("api-v1", 95), new SplitSpec("api-v2", 5)), r.targets());
        assertEquals("internal.example:8080", r.hostRewrite());
        assertEquals(Duration.ofSeconds(90), r.timeouts().idle());
        assertEquals(Set.of("connect-failure", "reset", "502", "503"), r.retries().on());
        assertEquals(new RateLimitSpec("header:x-user", 100, Duration.ofSeconds(1)), r.rateLimit());
        assertEquals(new HeaderOpsSpec(Map.of("x-env", "prod"), List.of("x-debug")), r.requestHeaders());
        assertEquals(Boolean.TRUE, r.forwarded());
        assertEquals("x-client-subject", r.clientCertHeader());
        assertEquals(List.of("websocket", "my-proto"), r.upgrades());
    }

    @Test
    void minimalRouteGetsDefaults() throws Exception {
        RouteSpec r = route("{'id': 'web', 'pool': 'web'}");
        assertEquals(0, r.priority());
        assertEquals(new MatchSpec(List.of(), null, null, null, List.of(), Map.of()), r.match());
        assertEquals("web", r.pool());
        assertEquals(List.of(), r.split());
        assertEquals(TimeoutsSpec.DEFAULT, r.timeouts());
        assertEquals(RetriesSpec.DEFAULT, r.retries());
        assertEquals(HeaderOpsSpec.NONE, r.requestHeaders());
        assertEquals(HeaderOpsSpec.NONE, r.responseHeaders());
        assertNull(r.rateLimit());
        assertNull(r.maxBodyBytes());
        assertNull(r.forwarded());
        assertNull(r.clientCertHeader());
        assertEquals(List.of("websocket"), r.upgrades(), "WebSocket is the one upgrade tunnelled by default");
        assertEquals(List.of(), route("{'id': 'web', 'pool': 'web', 'upgrades': []}").upgrades());
        assertNull(r.stripPrefix());
        assertNull(r.hostRewrite());
    }

    @Test
    void partialSectionsDefaultPerField() throws Exception {
        RouteSpec r = route("{'id': 'web', 'pool': 'web', 'timeouts': {'connect': '250ms'}, 'retries': {'attempts': 0},"
                + " 'rateLimit': {'limit': 5}}");
        assertEquals(new TimeoutsSpec(Duration.ofMillis(250), Duration.ofSeconds(30), Duration.ofSeconds(60)),
                r.timeouts());
        assertEquals(new RetriesSpec(0, Set.of("connect-failure")), r.retries());
        assertEquals(new RateLimitSpec("client-ip", 5, Duration.ofSeconds(1)), r.rateLimit());
        assertEquals(Duration.ofMillis(100), r.rateLimit().maxWait(), "a request may wait 100 ms for a lease");
        RouteSpec noWait = route("{'id': 'web', 'pool': 'web', 'rateLimit': {'limit': 5, 'maxWait': '0s'}}");
        assertEquals(Duration.ZERO, noWait.rateLimit().maxWait());
    }

    @Test
    void poolDefaults() throws Exception {
        PoolSpec p = pool("{'id': 'web', 'endpoints': [{'address': '127.0.0.1:8080'}], 'healthCheck': {},"
                + " 'outlier': {}}");
        assertEquals(LbPolicy.ROUND_ROBIN, p.lb());
        assertEquals(List.of(new EndpointSpec("127.0.0.1:8080", 1)), p.endpoints());
        assertNull(p.hashOn());
        assertEquals(PoolCodec.HEALTH_CHECK_DEFAULTS, p.healthCheck());
        assertEquals(new HealthCheckSpec("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3,
                List.of(200)), p.healthCheck());
        assertEquals(new OutlierSpec(5, Duration.ofSeconds(30), 50), p.outlier());
        PoolSpec bare = pool("{'id': 'web', 'endpoints': ['127.0.0.1:8080']}");
        assertNull(bare.healthCheck());
        assertNull(bare.outlier());
        assertNull(bare.retryBudget());
        assertNull(bare.slowStart());
    }

    @Test
    void protectionDefaults() throws Exception {
        PoolSpec p = pool("{'id': 'web', 'endpoints': ['127.0.0.1:8080'], 'outlier': {'failureRate': {}},"
                + " 'retryBudget': {}, 'slowStart': {}}");
        assertEquals(new OutlierSpec(5, Duration.ofSeconds(30), 50,
                new OutlierSpec.FailureRateSpec(50, 20, Duration.ofSeconds(10))), p.outlier());
        assertEquals(new RetryBudgetSpec(null, null), p.retryBudget());
        assertEquals(20, p.retryBudget().percentOr(20), "a field left out takes the node's setting");
        assertEquals(new SlowStartSpec(Duration.ofSeconds(30), 10), p.slowStart());
        PoolSpec own = pool("{'id': 'web', 'endpoints': ['127.0.0.1:8080'], 'retryBudget': {'percent': 5}}");
        assertEquals(5, own.retryBudget().percentOr(20));
        assertEquals(10, own.retryBudget().minRetriesPerSecondOr(10));
    }

    @Test
    void fullPoolIsNormalized() throws Exception {
        PoolSpec p = pool(FULL_POOL);
        assertEquals(LbPolicy.CONSISTENT_HASH, p.lb());
        assertEquals(new HashOn(HashOn.Kind.HEADER, "x-user"), p.hashOn());
        assertEquals(List.of(new EndpointSpec("10.0.1.10:8080", 1), new EndpointSpec("backend.local:8080", 2),
                new EndpointSpec("[::1]:9000", 1)), p.endpoints());
        assertEquals(List.of(200, 204), p.healthCheck().expectStatus());
    }

    @Test
    void routesRoundTrip() throws Exception {
        for (String text : List.of(FULL_ROUTE, "{'id': 'web', 'pool': 'web'}",
                "{'id': 'r', 'pool': 'p', 'match': {'pathRegex': '^/v[0-9]+/', 'path': null}, 'forwarded': false,"
                        + " 'responseHeaders': {'set': {'x-frame-options': 'DENY'}}}")) {
            RouteSpec r = route(text);
            JsonNode written = SpecCodec.toJson(r);
            Parsed<RouteSpec> again = SpecCodec.parseRoute(json(SpecCodec.toJsonString(written)), "routes[x]");
            assertTrue(again.ok(), () -> again.errors().toString());
            assertEquals(r, again.value());
            assertEquals(written, SpecCodec.toJson(again.value()));
        }
    }

    static final String LIMITED_POOL = "{'id': 'web', 'limits': {'maxConnections': 4, 'maxRequests': 40,"
            + " 'queue': {'size': 200, 'timeout': '60s'}},"
            + " 'endpoints': [{'address': 'a:1', 'maxConnections': 2}, {'address': 'b:1', 'maxRequests': 8}, 'c:1']}";

    @Test
    void poolLimitsAndEndpointOverrides() throws Exception {
        PoolSpec p = pool(LIMITED_POOL);
        assertEquals(new PoolLimitsSpec(4, 40, 200, Duration.ofSeconds(60)), p.limits());
        assertEquals(List.of(new EndpointSpec("a:1", 1, 2, null), new EndpointSpec("b:1", 1, null, 8),
                new EndpointSpec("c:1", 1)), p.endpoints());
        assertEquals(2, p.endpoints().get(0).maxConnections(p.limits()), "the endpoint's own cap wins");
        assertEquals(40, p.endpoints().get(0).maxRequests(p.limits()), "else the pool's");
        assertEquals(8, p.endpoints().get(1).maxRequests(p.limits()));
        assertTrue(p.admissionLimited());

        PoolSpec defaults = pool("{'id': 'web', 'limits': {'maxRequests': 10}, 'endpoints': ['a:1']}");
        assertEquals(new PoolLimitsSpec(null, 10, 1000, Duration.ofSeconds(5)), defaults.limits());
        assertNull(defaults.endpoints().get(0).maxConnections(defaults.limits()));

        PoolSpec endpointOnly = pool("{'id': 'web', 'endpoints': [{'address': 'a:1', 'maxConnections': 1}, 'b:1']}");
        assertNull(endpointOnly.limits());
        assertTrue(endpointOnly.admissionLimited());
        assertEquals(PoolLimitsSpec.NONE, endpointOnly.limitsOrDefaults());
        assertNull(endpointOnly.endpoints().get(1).maxConnections(endpointOnly.limits()), "b:1 is unlimited");

        PoolSpec bare = pool("{'id': 'web', 'endpoints': ['a:1']}");
        assertTrue(!bare.admissionLimited() && bare.limits() == null, "absent limits = unlimited, as before");
        JsonNode w = SpecCodec.toJson(bare);
        assertTrue(!w.has("limits") && !w.get("endpoints").get(0).has("maxConnections"));
        assertEquals("{\"size\":200,\"timeout\":\"1m\"}",
                SpecCodec.toJson(p).get("limits").get("queue").toString());
    }

    @Test
    void poolsRoundTrip() throws Exception {
        for (String text : List.of(FULL_POOL, "{'id': 'web', 'endpoints': ['127.0.0.1:1']}", LIMITED_POOL,
                "{'id': 'e', 'endpoints': [{'address': 'a:1', 'maxRequests': 3}, 'b:1']}",
                "{'id': 'p', 'lb': 'p2c', 'endpoints': [{'address': 'a:1', 'weight': 3}], 'healthCheck': {'interval': '500ms',"
                        + " 'timeout': '500ms'}}",
                "{'id': 'p', 'lb': 'least-request', 'endpoints': ['a:1'], 'retryBudget': {'percent': 5},"
                        + " 'slowStart': {'window': '6s', 'minWeightPercent': 20},"
                        + " 'outlier': {'failureRate': {'threshold': 40, 'minRequests': 10, 'window': '5s'}}}",
                "{'id': 'p', 'endpoints': ['a:1'], 'retryBudget': {'minRetriesPerSecond': 0}}")) {
            PoolSpec p = pool(text);
            JsonNode written = SpecCodec.toJson(p);
            Parsed<PoolSpec> again = SpecCodec.parsePool(json(SpecCodec.toJsonString(written)), "pools[x]");
            assertTrue(again.ok(), () -> again.errors().toString());
            assertEquals(p, again.value());
        }
    }

    @Test
    void writesContractShape() throws Exception {
        JsonNode w = SpecCodec.toJson(route("{'id': 'web', 'pool': 'web', 'timeouts': {'idle': '90s'}}"));
        assertEquals("1m30s", w.get("timeouts").get("idle").textValue());
        assertEquals("web", w.get("pool").textValue());
        assertTrue(w.get("match").get("hosts").isArray());
        assertTrue(!w.has("split") && !w.has("rateLimit") && !w.has("forwarded"));
        assertEquals("[\"connect-failure\"]", w.get("retries").get("on").toString());
    }

    @Test
    void yamlAndJsonReadTheSame() throws Exception {
        String yaml = """
                id: api
                match:
                  hosts: [api.example.com]
                  headers: {x-canary: 1}
                pool: api-v1
                retries:
                  attempts: 2
                  on: [connect-failure, 502, 503]
                """;
        JsonNode tree = new YAMLMapper().readTree(yaml);
        RouteSpec fromYaml = SpecCodec.parseRoute(tree, "routes[api]").value();
        RouteSpec fromJson = route("{'id': 'api', 'match': {'hosts': ['api.example.com'], 'headers': {'x-canary': '1'}},"
                + " 'pool': 'api-v1', 'retries': {'attempts': 2, 'on': ['connect-failure', '502', '503']}}");
        assertEquals(fromJson, fromYaml);
    }

    @Test
    void collectsEveryErrorNotOnlyTheFirst() throws Exception {
        Parsed<RouteSpec> p = SpecCodec.parseRoute(json("{'id': 'api', 'pool': 'p', 'priority': 'x',"
                + " 'timeouts': {'connect': 'soon', 'idle': '0s'}, 'retries': {'attempts': 9}}"), "routes[api]");
        assertNull(p.value());
        assertEquals(List.of("routes[api].priority", "routes[api].timeouts.connect", "routes[api].timeouts.idle",
                "routes[api].retries.attempts"), p.errors().stream().map(ConfigError::path).toList());
    }

    @Test
    void snapshotRoundTrips() throws Exception {
        ConfigSnapshot s = new ConfigSnapshot("file", 7, List.of(route(FULL_ROUTE.replace("'split': [ {'pool': 'api-v1',"
                + " 'weight': 95}, {'pool': 'api-v2', 'weight': 5} ]", "'pool': 'api-v1'"))),
                List.of(pool(FULL_POOL)), List.of(new ConfigError("routes[x].pool", "missing")));
        JsonNode written = ConfigSnapshotCodec.toJson(s);
        Parsed<ConfigSnapshot> back = ConfigSnapshotCodec.fromJson(json(SpecCodec.toJsonString(written)));
        assertTrue(back.ok(), () -> back.errors().toString());
        assertEquals(s, back.value());
    }

    @Test
    void snapshotWithDanglingPoolIsRejected() throws Exception {
        Parsed<ConfigSnapshot> back = ConfigSnapshotCodec.fromJson(json("{'source': 'etcd', 'revision': 3,"
                + " 'routes': [{'id': 'a', 'pool': 'gone'}], 'pools': [], 'errors': []}"));
        assertEquals(List.of(new ConfigError("routes[0]", "names pool gone, which the snapshot does not hold")),
                back.errors());
    }
}
