package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheCodecTest {
    private static Parsed<RouteSpec> parse(String cache) throws Exception {
        return SpecCodec.parseRoute(SpecCodecTest.json("{'id': 'api', 'pool': 'p'"
                + (cache == null ? "" : ", 'cache': " + cache) + "}"), "routes[api]");
    }

    private static CacheSpec spec(String cache) throws Exception {
        Parsed<RouteSpec> p = parse(cache);
        assertTrue(p.ok(), () -> p.errors().toString());
        return p.value().cache();
    }

    private static List<String> errors(String cache) throws Exception {
        Parsed<RouteSpec> p = parse(cache);
        assertFalse(p.ok());
        return p.errors().stream().map(e -> e.path() + ": " + e.message()).toList();
    }

    @Test
    void offUnlessTheRouteSaysSo() throws Exception {
        assertNull(spec(null));
        assertNull(spec("false"));
        assertNull(spec("{'enabled': false}"));
        assertEquals(CacheSpec.DEFAULT, spec("true"));
        assertEquals(CacheSpec.DEFAULT, spec("{}"));
        CacheSpec d = CacheSpec.DEFAULT;
        assertEquals(List.of("GET", "HEAD"), d.methods());
        assertEquals(List.of("surrogate-key", "cache-tag"), d.tagHeaders());
        assertEquals(Duration.ofSeconds(5), d.coalesceWait());
    }

    @Test
    void readsEveryField() throws Exception {
        CacheSpec c = spec("{'maxObjectBytes': 1000, 'methods': ['get'], 'statuses': [200, 404],"
                + " 'key': {'headers': ['X-Device'], 'cookies': ['lang']}, 'staleWhileRevalidate': '10s',"
                + " 'staleIfError': '1h', 'tagHeaders': ['X-Tags'], 'coalesceWait': '0s'}");
        assertEquals(new CacheSpec(1000, List.of("GET"), List.of(200, 404), List.of("x-device"), List.of("lang"),
                Duration.ofSeconds(10), Duration.ofHours(1), List.of("x-tags"), Duration.ZERO), c);
    }

    @Test
    void badValuesNameTheirPath() throws Exception {
        List<String> e = errors("{'methods': ['POST'], 'statuses': [206, 99], 'key': {'headers': ['host', 'a b']},"
                + " 'staleIfError': 'soon', 'coalesceWait': '5m', 'maxObjectBytes': 0, 'vary': 1}");
        assertTrue(e.contains("routes[api].cache.methods[0]: \"POST\" is not a method the cache answers; use GET,"
                + " HEAD"), e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].cache.statuses[0]: 206 is never stored")),
                e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].cache.statuses[1]: 99 is outside")),
                e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].cache.key.headers[0]: host cannot be added")),
                e::toString);
        assertTrue(e.contains("routes[api].cache.key.headers[1]: \"a b\" is not a header name"), e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].cache.staleIfError:")), e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].cache.coalesceWait: 5m is longer than 1m")),
                e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].cache.maxObjectBytes: 0 is outside")),
                e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].cache.vary: unknown field")), e::toString);
        assertTrue(errors("'yes'").get(0).startsWith("routes[api].cache: expected an object"));
        assertTrue(errors("{'methods': []}").get(0).startsWith("routes[api].cache.methods: is empty"));
    }

    @Test
    void writtenFormReadsBackTheSame() throws Exception {
        RouteSpec r = parse("{'maxObjectBytes': 5, 'statuses': [200], 'key': {'cookies': ['a']},"
                + " 'staleIfError': '30s'}").value();
        Parsed<RouteSpec> back = SpecCodec.parseRoute(SpecCodec.readTree(SpecCodec.toJsonString(SpecCodec.toJson(r))),
                "routes[api]");
        assertTrue(back.ok(), () -> back.errors().toString());
        assertEquals(r.cache(), back.value().cache());
        RouteSpec none = parse(null).value();
        assertNull(SpecCodec.toJson(none).get("cache"));
    }

    @Test
    void nodeCacheSizeDefaultsAndChecks() throws Exception {
        assertEquals(256L * 1024 * 1024, NodeConfigLoader.parse("{}", Path.of(".")).cache().maxBytes());
        assertEquals(1000, NodeConfigLoader.parse("cache: {maxBytes: 1000}", Path.of(".")).cache().maxBytes());
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> NodeConfigLoader.parse("cache: {maxBytes: -1, max: 2}", Path.of(".")));
        String m = e.getMessage();
        assertTrue(m.contains("cache.maxBytes: -1 is outside"), m);
        assertTrue(m.contains("cache.max: unknown field"), m);
    }
}
