package dev.phalanx.node.routing;

import static dev.phalanx.node.routing.Routes.pools;
import static dev.phalanx.node.routing.Routes.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.HeaderOpsSpec;
import dev.phalanx.cluster.model.SplitSpec;
import dev.phalanx.node.balancing.Pool;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTest {
    private static final Map<String, Pool> POOLS = pools("default", "v1", "v2", "v3");

    private static Route compile(Routes r) {
        return Route.compile(r.spec(), POOLS);
    }

    @Test
    void stripPrefixKeepsTheQueryAndALeadingSlash() {
        Route r = compile(route("api").prefix("/api").stripPrefix("/api"));
        assertEquals("/users?q=1&x=/api", r.rewritePath("/api/users?q=1&x=/api"));
        assertEquals("/users", r.rewritePath("/api/users"));
        assertEquals("/", r.rewritePath("/api"));
        assertEquals("/?q=1", r.rewritePath("/api?q=1"));
        assertEquals("/v2", r.rewritePath("/apiv2"));
        assertEquals("/other?a=/api", r.rewritePath("/other?a=/api"), "not under the prefix: unchanged");
        assertEquals("/ap?i", r.rewritePath("/ap?i"));

        Route slash = compile(route("s").stripPrefix("/api/"));
        assertEquals("/users?q", slash.rewritePath("/api/users?q"));
        assertEquals("/", slash.rewritePath("/api/"));

        Route none = compile(route("n"));
        String uri = "/api/users?q=1";
        assertSame(uri, none.rewritePath(uri));
    }

    @Test
    void splitFollowsTheWeights() {
        Route r = compile(route("canary").split(new SplitSpec("v1", 95), new SplitSpec("v2", 5)));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 100_000; i++) {
            counts.merge(r.pickPool().id(), 1, Integer::sum);
        }
        assertEquals(95_000, counts.get("v1"), 1_000);
        assertEquals(5_000, counts.get("v2"), 1_000);
        assertEquals(List.of("v1", "v2"), r.pools().stream().map(Pool::id).toList());
    }

    @Test
    void splitWithAZeroWeightNeverPicksIt() {
        Route r = compile(route("s").split(new SplitSpec("v1", 1), new SplitSpec("v2", 0), new SplitSpec("v3", 1)));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            counts.merge(r.pickPool().id(), 1, Integer::sum);
        }
        assertNull(counts.get("v2"));
        assertEquals(5_000, counts.get("v1"), 400);
    }

    @Test
    void singlePoolIsAlwaysPicked() {
        Route r = compile(route("one").pool("v3"));
        for (int i = 0; i < 100; i++) {
            assertSame(POOLS.get("v3"), r.pickPool());
        }
    }

    @Test
    void maxBodyBytesAndHostRewrite() {
        assertEquals(10_485_760L, compile(route("d")).maxBodyBytes(10_485_760L));
        assertEquals(1024L, compile(route("o").maxBodyBytes(1024)).maxBodyBytes(10_485_760L));
        assertNull(compile(route("d")).hostRewrite());
        assertEquals("internal.svc", compile(route("h").hostRewrite("internal.svc")).hostRewrite());
    }

    @Test
    void headerEditsRemoveThenSet() {
        Map<String, String> set = new LinkedHashMap<>();
        set.put("x-env", "prod");
        set.put("x-debug", "forced");
        Route r = compile(route("h")
                .requestHeaders(new HeaderOpsSpec(set, List.of("x-debug", "x-internal")))
                .responseHeaders(new HeaderOpsSpec(Map.of(), List.of("server"))));
        HttpHeaders request = new DefaultHttpHeaders()
                .add("X-Debug", "1").add("x-internal", "a").add("x-internal", "b").add("x-env", "dev").add("keep", "k");
        r.requestHeaders().apply(request);
        assertEquals("prod", request.get("x-env"));
        assertEquals(List.of("prod"), request.getAll("x-env"));
        assertEquals("forced", request.get("x-debug"));
        assertTrue(request.getAll("x-internal").isEmpty());
        assertEquals("k", request.get("keep"));

        Http2Headers h2 = new DefaultHttp2Headers().add("server", "nginx").add("x-other", "1");
        r.responseHeaders().apply(h2);
        assertNull(h2.get("server"));
        assertEquals("1", h2.get("x-other").toString());
        assertTrue(compile(route("plain")).requestHeaders().isEmpty());
    }

    @Test
    void compileErrorsNameTheConfigPath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> compile(route("api").pool("missing")));
        assertEquals("routes[api].pool: pool \"missing\" is not defined", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> compile(route("api").split(new SplitSpec("v1", 1), new SplitSpec("nope", 1))));
        assertEquals("routes[api].split[1].pool: pool \"nope\" is not defined", e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> compile(route("api").regex("^/(a")));
        assertTrue(e.getMessage().startsWith("routes[api].match.pathRegex: \"^/(a\" is not a valid regular"),
                e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> compile(route("api")
                .requestHeaders(new HeaderOpsSpec(Map.of("x-a", "1\r\nx-b: 2"), List.of()))));
        assertTrue(e.getMessage().startsWith("routes[api].requestHeaders.set.x-a: the value has a line break"),
                e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> compile(route("api")
                .responseHeaders(new HeaderOpsSpec(Map.of(), List.of("bad name")))));
        assertEquals("routes[api].responseHeaders.remove: \"bad name\" is not a valid header name", e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> RouteTable.compile(
                List.of(route("dup").spec(), route("dup").prefix("/x").spec()), POOLS));
        assertEquals("routes[dup]: the id is used by another route", e.getMessage());
    }
}
