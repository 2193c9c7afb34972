package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad routes and pools: each case names the exact path of the problem and a fragment of its message. */
class SpecValidationTest {

    private static final String POOL = "'id': 'api-v1', 'endpoints': ['10.0.0.1:80']";

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        'timeouts': {'connect': '5 seconds'}               | routes[api].timeouts.connect     | "5 seconds" is not a duration like 250ms, 2s, 1m
        'timeout': {'connect': '1s'}                       | routes[api].timeout              | unknown field (did you mean timeouts?); known fields: id, priority, match
        'timeouts': {'conect': '1s'}                       | routes[api].timeouts.conect      | did you mean connect?
        'priority': 'high'                                 | routes[api].priority             | expected a whole number, got "high"
        'split': [{'pool': 'b'}], 'pool': 'x'              | routes[api]                      | pool and split exclude each other
        'split': [{'pool': 'b', 'weight': 0}]            | routes[api].split[0].weight     | 0 is outside 1..1000000
        'split': []                                        | routes[api].split                | is empty
        'split': [{'pool': 'b'}, {'pool': 'b'}] | routes[api].split[1].pool     | appears twice
        'match': {'path': '/a', 'pathPrefix': '/b'}        | routes[api].match                | exclude each other
        'match': {'pathPrefix': 'api/'}                    | routes[api].match.pathPrefix     | must start with /
        'match': {'path': '/a?b=1'}                        | routes[api].match.path           | may not contain a query
        'match': {'pathRegex': '(unclosed'}                | routes[api].match.pathRegex      | is not a valid regular expression
        'match': {'hosts': ['api.example.com:8080']}       | routes[api].match.hosts[0]       | has a port; hosts are matched without their port
        'match': {'hosts': ['ok.com', 'api.*.com']}        | routes[api].match.hosts[1]       | a wildcard is only allowed as the whole first label
        'match': {'hosts': ['bad host']}                   | routes[api].match.hosts[0]       | is not a host name
        'match': {'hosts': ['*']}                          | routes[api].match.hosts[0]       | a route without hosts matches every host
        'match': {'methods': ['GE T']}                     | routes[api].match.methods[0]     | is not an HTTP method name
        'match': {'headers': {'x-canary': true}}           | routes[api].match.headers.x-canary | expected a string, got true (in YAML, quote
        'match': {'host': ['a.com']}                       | routes[api].match.host           | did you mean hosts?
        'stripPrefix': 'api'                               | routes[api].stripPrefix          | "api" must start with /
        'hostRewrite': 'in ternal:80'                      | routes[api].hostRewrite          | is not a host like api.internal or api.internal:8080
        'hostRewrite': 'internal:0'                        | routes[api].hostRewrite          | has a port outside 1..65535
        'timeouts': {'response': '0s'}                     | routes[api].timeouts.response    | must be more than 0s
        'timeouts': {'idle': 30}                           | routes[api].timeouts.idle        | 30 is not a duration like 250ms, 2s, 1m
        'retries': {'attempts': 6}                         | routes[api].retries.attempts     | 6 is outside 0..5
        'retries': {'on': ['connect-failure', 500]}        | routes[api].retries.on[1]        | "500" is not a retry condition; use connect-failure, reset, timeout, 502, 503, 504
        'rateLimit': {'key': 'ip', 'limit': 5}             | routes[api].rateLimit.key        | is not a rate-limit key
        'rateLimit': {'key': 'route', 'limit': 0}          | routes[api].rateLimit.limit      | 0 is outside 1..1000000000
        'rateLimit': {'key': 'route'}                      | routes[api].rateLimit.limit      | required
        'rateLimit': {'limit': 1, 'window': '0ms'}         | routes[api].rateLimit.window     | must be more than 0s
        'rateLimit': {'limit': 1, 'maxWait': '11s'}        | routes[api].rateLimit.maxWait    | at most 10s
        'rateLimit': {'limit': 1, 'maxWait': 100}          | routes[api].rateLimit.maxWait    | is not a duration
        'maxBodyBytes': -1                                 | routes[api].maxBodyBytes         | -1 is outside
        'requestHeaders': {'set': {'Connection': 'close'}} | routes[api].requestHeaders.set.Connection | hop-by-hop
        'responseHeaders': {'set': {'transfer-encoding': 'chunked'}} | routes[api].responseHeaders.set.transfer-encoding | hop-by-hop
        'requestHeaders': {'set': {'host': 'x'}}           | routes[api].requestHeaders.set.host | use hostRewrite
        'requestHeaders': {'set': {'x-a': 'a\\r\\nx-b: b'}} | routes[api].requestHeaders.set.x-a | may not contain CR
        'requestHeaders': {'set': {'x-a': 'nul\\u0000'}}   | routes[api].requestHeaders.set.x-a | may not contain NUL
        'requestHeaders': {'remove': ['x y']}              | routes[api].requestHeaders.remove[0] | is not a header name
        'responseHeaders': {'remove': ['content-length']}  | routes[api].responseHeaders.remove[0] | cannot be removed
        'forwarded': 'yes'                                 | routes[api].forwarded            | expected true or false, got "yes"
        'clientCertHeader': 'x y'                          | routes[api].clientCertHeader     | is not a header name
        'clientCertHeader': 'X-Forwarded-For'              | routes[api].clientCertHeader     | is set by the proxy itself
        'match': 'everything'                              | routes[api].match                | expected an object with fields hosts, path
        'upgrades': ['websocket', 'h2c']                   | routes[api].upgrades[1]          | h2c cannot be tunnelled
        'upgrades': ['H2']                                 | routes[api].upgrades[0]          | h2 cannot be tunnelled
        'upgrades': ['websocket/13']                       | routes[api].upgrades[0]          | is not an upgrade protocol name like websocket
        'upgrades': ['websocket', 'WebSocket']             | routes[api].upgrades[1]          | websocket is listed twice
        'upgrades': 'websocket'                            | routes[api].upgrades             | expected a list
        'upgrades': [7]                                    | routes[api].upgrades[0]          | expected a string
        """)
    void badRoute(String fields, String path, String fragment) throws Exception {
        boolean hasTarget = fields.contains("'pool'") || fields.contains("'split'");
        String text = "{'id': 'api', " + fields + (hasTarget ? "" : ", 'pool': 'api-v1'") + "}";
        Parsed<RouteSpec> p = SpecCodec.parseRoute(SpecCodecTest.json(text), "routes[api]");
        assertProblem(p.errors(), path, fragment);
        assertNull(p.value());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        'id': 'a b', 'pool': 'p'                           | routes[api].id                   | "a b" is not an id
        'pool': 'p'                                        | routes[api].id                   | required
        'id': 'api'                                        | routes[api]                      | needs a pool, or a split
        'id': 'api', 'pool': '-p'                          | routes[api].pool                 | "-p" is not an id
        """)
    void badRouteIdentity(String fields, String path, String fragment) throws Exception {
        Parsed<RouteSpec> p = SpecCodec.parseRoute(SpecCodecTest.json("{" + fields + "}"), "routes[api]");
        assertProblem(p.errors(), path, fragment);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        'id': 'api-v1'                                      | pools[api-v1].endpoints         | needs at least one endpoint
        'id': 'api-v1', 'endpoints': []                     | pools[api-v1].endpoints         | needs at least one endpoint
        'id': 'api-v1', 'endpoints': [{'address': '10.0.0.1'}] | pools[api-v1].endpoints[0].address | "10.0.0.1" has no port
        'id': 'api-v1', 'endpoints': ['a:1', {'address': 'b:70000'}] | pools[api-v1].endpoints[1].address | has a port outside 1..65535
        'id': 'api-v1', 'endpoints': ['a:1', 'b:0']         | pools[api-v1].endpoints[1]      | has a port outside 1..65535
        'id': 'api-v1', 'endpoints': ['::1:8080']           | pools[api-v1].endpoints[0]      | IPv6 addresses go in brackets
        'id': 'api-v1', 'endpoints': ['[::g]:8080']         | pools[api-v1].endpoints[0]      | does not hold a valid IPv6 address
        'id': 'api-v1', 'endpoints': ['300.1.1.1:80']       | pools[api-v1].endpoints[0]      | is not a valid IPv4 address
        'id': 'api-v1', 'endpoints': [{'address': 'a:1', 'weight': 0}] | pools[api-v1].endpoints[0].weight | 0 is outside 1..10000
        'id': 'api-v1', 'endpoints': ['A:1', {'address': 'a:1'}] | pools[api-v1].endpoints[1].address | a:1 is already endpoints[0]
        'id': 'api-v1', 'endpoints': [{'adress': 'a:1'}]    | pools[api-v1].endpoints[0].adress | unknown field (did you mean address?)
        'id': 'api-v1', 'endpoints': ['a:1', {'address': 'b:1', 'maxConnections': 0}] | pools[api-v1].endpoints[1].maxConnections | 0 is outside 1..1000000
        'id': 'api-v1', 'endpoints': [{'address': 'b:1', 'maxRequests': 'ten'}] | pools[api-v1].endpoints[0].maxRequests | expected a whole number, got "ten"
        """)
    void badEndpoints(String fields, String path, String fragment) throws Exception {
        Parsed<PoolSpec> p = SpecCodec.parsePool(SpecCodecTest.json("{" + fields + "}"), "pools[api-v1]");
        assertProblem(p.errors(), path, fragment);
        assertNull(p.value());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        'lb': 'random'                                      | pools[api-v1].lb                | "random" is not a balancing policy; use one of round-robin, least-request, p2c, consistent-hash, ip-hash
        'lb': 'consistent-hash'                             | pools[api-v1].hashOn            | required with lb consistent-hash
        'hashOn': 'path'                                    | pools[api-v1].hashOn            | only applies to lb consistent-hash (this pool uses round-robin)
        'lb': 'consistent-hash', 'hashOn': 'header:'        | pools[api-v1].hashOn            | "header:" is not a hash key
        'healthCheck': {'path': 'healthz'}                  | pools[api-v1].healthCheck.path  | must start with /
        'healthCheck': {'interval': '5s', 'timeout': '10s'} | pools[api-v1].healthCheck.timeout | 10s is longer than the interval 5s
        'healthCheck': {'rise': 0}                          | pools[api-v1].healthCheck.rise  | 0 is outside 1..100
        'healthCheck': {'fall': 101}                        | pools[api-v1].healthCheck.fall  | 101 is outside 1..100
        'healthCheck': {'expectStatus': [200, 700]}         | pools[api-v1].healthCheck.expectStatus[1] | 700 is outside 100..599
        'healthCheck': {'expectStatus': []}                 | pools[api-v1].healthCheck.expectStatus | is empty
        'healthCheck': {'interval': '0s'}                   | pools[api-v1].healthCheck.interval | must be more than 0s
        'outlier': {'maxEjectedPercent': 150}               | pools[api-v1].outlier.maxEjectedPercent | 150 is outside 1..100
        'outlier': {'consecutiveFailures': 0}               | pools[api-v1].outlier.consecutiveFailures | 0 is outside 1..1000
        'outlier': {'ejection': '2h'}                       | pools[api-v1].outlier.ejection  | longer than the maximum 1h
        'healthcheck': {}                                   | pools[api-v1].healthcheck       | did you mean healthCheck?
        'outlier': {'failureRate': {'threshold': 0}}        | pools[api-v1].outlier.failureRate.threshold | 0 is outside 1..100
        'outlier': {'failureRate': {'minRequests': 0}}      | pools[api-v1].outlier.failureRate.minRequests | 0 is outside 1..1000000
        'outlier': {'failureRate': {'window': '500ms'}}     | pools[api-v1].outlier.failureRate.window | 500ms is shorter than the minimum 1s
        'outlier': {'failureRate': {'window': '1h'}}        | pools[api-v1].outlier.failureRate.window | 1h is longer than the maximum 10m
        'outlier': {'failureRate': {'treshold': 50}}        | pools[api-v1].outlier.failureRate.treshold | did you mean threshold?
        'outlier': {'failureRate': 50}                      | pools[api-v1].outlier.failureRate | expected an object
        'retryBudget': {'percent': 101}                     | pools[api-v1].retryBudget.percent | 101 is outside 0..100
        'retryBudget': {'minRetriesPerSecond': -1}          | pools[api-v1].retryBudget.minRetriesPerSecond | -1 is outside 0..1000000
        'retryBudget': {'percentage': 5}                    | pools[api-v1].retryBudget.percentage | unknown field; known fields: percent, minRetriesPerSecond
        'slowStart': {'window': '0s'}                       | pools[api-v1].slowStart.window  | must be more than 0s
        'slowStart': {'window': '11m'}                      | pools[api-v1].slowStart.window  | 11m is longer than the maximum 10m
        'slowStart': {'minWeightPercent': 0}                | pools[api-v1].slowStart.minWeightPercent | 0 is outside 1..100
        'lb': 'consistent-hash', 'hashOn': 'path', 'slowStart': {} | pools[api-v1].slowStart | does not apply to lb consistent-hash
        'lb': 'ip-hash', 'slowStart': {'window': '5s'}      | pools[api-v1].slowStart         | does not apply to lb ip-hash
        'limits': {'maxConnections': 0}                     | pools[api-v1].limits.maxConnections | 0 is outside 1..1000000
        'limits': {'maxRequests': -3}                       | pools[api-v1].limits.maxRequests | -3 is outside 1..1000000
        'limits': {'maxConnections': 2.5}                   | pools[api-v1].limits.maxConnections | expected a whole number, got 2.5
        'limits': {'maxConnections': 4, 'queue': {'size': -1}} | pools[api-v1].limits.queue.size | -1 is outside 0..1000000
        'limits': {'maxConnections': 4, 'queue': {'timeout': 'soon'}} | pools[api-v1].limits.queue.timeout | not a duration
        'limits': {'maxConnections': 4, 'queue': {'timeout': '0s'}} | pools[api-v1].limits.queue.timeout | must be more than 0s
        'limits': {'maxConnections': 4, 'queue': {'timeout': '1h'}} | pools[api-v1].limits.queue.timeout | longer than the maximum 10m
        'limits': {'maxConnections': 4, 'queue': {'lenght': 5}} | pools[api-v1].limits.queue.lenght | unknown field
        'limits': {'queue': {'size': 10}}                   | pools[api-v1].limits.queue      | a queue without a cap has nothing to wait for
        'limits': {}                                        | pools[api-v1].limits.maxConnections | limits sets no cap
        'limits': {'maxConection': 4}                       | pools[api-v1].limits.maxConection | did you mean maxConnections?
        'limits': 4                                         | pools[api-v1].limits            | expected an object with fields maxConnections, maxRequests, queue
        """)
    void badPool(String fields, String path, String fragment) throws Exception {
        Parsed<PoolSpec> p = SpecCodec.parsePool(SpecCodecTest.json("{" + POOL + ", " + fields + "}"), "pools[api-v1]");
        assertProblem(p.errors(), path, fragment);
        assertNull(p.value());
    }

    static void assertProblem(List<ConfigError> errors, String path, String fragment) {
        assertFalse(errors.isEmpty(), "expected an error at " + path);
        assertTrue(errors.stream().anyMatch(e -> e.path().equals(path) && e.message().contains(fragment)),
                () -> "wanted " + path + ": ..." + fragment + "... but got " + errors);
    }
}
