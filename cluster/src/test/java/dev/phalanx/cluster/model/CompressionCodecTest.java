package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompressionCodecTest {

    private static Parsed<RouteSpec> parse(String compression) throws Exception {
        return SpecCodec.parseRoute(SpecCodecTest.json("{'id': 'api', 'pool': 'p'"
                + (compression == null ? "" : ", 'compression': " + compression) + "}"), "routes[api]");
    }

    private static CompressionSpec spec(String compression) throws Exception {
        Parsed<RouteSpec> p = parse(compression);
        assertTrue(p.ok(), () -> p.errors().toString());
        return p.value().compression();
    }

    private static List<String> errors(String compression) throws Exception {
        Parsed<RouteSpec> p = parse(compression);
        assertFalse(p.ok());
        return p.errors().stream().map(e -> e.path() + ": " + e.message()).toList();
    }

    @Test
    void onByDefaultForTheUsualTextTypes() throws Exception {
        CompressionSpec c = spec(null);
        assertEquals(CompressionSpec.DEFAULT, c);
        assertTrue(c.enabled());
        assertEquals(List.of("zstd", "br", "gzip"), c.encodings());
        assertTrue(c.types().containsAll(List.of("text/html", "text/css", "application/javascript",
                "application/json", "application/xml", "text/plain", "image/svg+xml")));
    }

    @Test
    void offPerRoute() throws Exception {
        assertFalse(spec("false").enabled());
        assertFalse(spec("{'enabled': false}").enabled());
        assertTrue(spec("true").enabled());
    }

    @Test
    void settings() throws Exception {
        CompressionSpec c = spec("{'encodings': ['GZIP', 'br'], 'levels': {'gzip': 9, 'br': 11, 'zstd': 19},"
                + " 'minLength': 0, 'types': ['Text/*', '*/*+json', 'application/x-ndjson']}");
        assertEquals(new CompressionSpec(true, List.of("gzip", "br"), 9, 11, 19, 0,
                List.of("text/*", "*/*+json", "application/x-ndjson")), c);
    }

    @Test
    void errorsNameTheirPath() throws Exception {
        List<String> level = errors("{'levels': {'br': 12}}");
        assertEquals(1, level.size(), level::toString);
        assertTrue(level.get(0).startsWith("routes[api].compression.levels.br: 12 is outside"), level::toString);
        List<String> e = errors("{'encodings': ['gzip', 'deflate', 'gzip'], 'types': ['html', 'text/h*ml'],"
                + " 'minLength': -1, 'level': 3}");
        assertTrue(e.get(0).startsWith("routes[api].compression.level: unknown field (did you mean levels?)"), e::toString);
        assertTrue(e.contains("routes[api].compression.encodings[1]: \"deflate\" is not a content coding the node"
                + " produces; use zstd, br, gzip"), e::toString);
        assertTrue(e.contains("routes[api].compression.encodings[2]: gzip is listed twice"), e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].compression.types[0]: \"html\" is not a media"
                + " type")), e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].compression.types[1]:")), e::toString);
        assertTrue(e.stream().anyMatch(m -> m.startsWith("routes[api].compression.minLength:")), e::toString);
        assertTrue(errors("{'encodings': []}").get(0).startsWith("routes[api].compression.encodings: is empty"));
        assertTrue(errors("'gzip'").get(0).startsWith("routes[api].compression: expected an object"));
    }

    @Test
    void writtenFormReadsBackTheSame() throws Exception {
        RouteSpec r = parse("{'enabled': false, 'encodings': ['br'], 'levels': {'br': 2}, 'minLength': 10}").value();
        Parsed<RouteSpec> back = SpecCodec.parseRoute(SpecCodec.readTree(SpecCodec.toJsonString(SpecCodec.toJson(r))),
                "routes[api]");
        assertTrue(back.ok(), () -> back.errors().toString());
        assertEquals(r.compression(), back.value().compression());
        assertFalse(back.value().compression().enabled());
    }
}
