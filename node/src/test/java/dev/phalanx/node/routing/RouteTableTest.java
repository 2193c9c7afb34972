package dev.phalanx.node.routing;

import static dev.phalanx.node.routing.Routes.route;
import static dev.phalanx.node.routing.Routes.table;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private static final HttpHeaders NO_HEADERS = new DefaultHttpHeaders();

    private static String id(RouteTable table, String host, String path) {
        return id(table, host, path, "GET", NO_HEADERS);
    }

    private static String id(RouteTable table, String host, String path, String method, HttpHeaders headers) {
        Route r = table.match(host, path, method, headers);
        return r == null ? null : r.id();
    }

    @Test
    void exactHostBeatsWildcardBeatsAnyHostWhateverThePriority() {
        RouteTable t = table(
                route("any").prefix("/").priority(100),
                route("wild").hosts("*.example.com").priority(50),
                route("exact").hosts("api.example.com"));
        assertEquals("exact", id(t, "api.example.com", "/x"));
        assertEquals("wild", id(t, "www.example.com", "/x"));
        assertEquals("wild", id(t, "a.b.example.com", "/x"));
        assertEquals("any", id(t, "example.com", "/x"), "a wildcard needs at least one label before the suffix");
        assertEquals("any", id(t, "other.org", "/x"));
        assertEquals("any", id(t, null, "/x"));
        assertEquals("any", id(t, "", "/x"));
    }

    @Test
    void starHostMatchesAnyHostAtTheLowestLevel() {
        RouteTable t = table(route("star").hosts("*").priority(9), route("exact").hosts("a.com"));
        assertEquals("star", id(t, "b.org", "/"));
        assertEquals("exact", id(t, "a.com", "/"));
    }

    @Test
    void longerWildcardSuffixWins() {
        RouteTable t = table(
                route("short").hosts("*.example.com").priority(9),
                route("long").hosts("*.b.example.com"));
        assertEquals("long", id(t, "a.b.example.com", "/"));
        assertEquals("long", id(t, "x.y.b.example.com", "/"));
        assertEquals("short", id(t, "b.example.com", "/"));
        assertEquals("short", id(t, "a.c.example.com", "/"));
        assertNull(id(t, "example.com", "/"));
    }

    @Test
    void hostIsComparedWithoutPortCaseOrTrailingDot() {
        RouteTable t = table(
                route("exact").hosts("api.example.com"),
                route("wild").hosts("*.example.org"),
                route("v6").hosts("[::1]"));
        assertEquals("exact", id(t, "API.Example.COM:8443", "/"));
        assertEquals("exact", id(t, "api.example.com.", "/"));
        assertEquals("exact", id(t, "api.example.com:80", "/"));
        assertEquals("wild", id(t, "WWW.EXAMPLE.ORG:8080", "/"));
        assertEquals("v6", id(t, "[::1]:8080", "/"));
        assertEquals("v6", id(t, "[::1]", "/"));
        assertNull(id(t, "api.example.net", "/"));
    }

    @Test
    void hostsFromConfigInUpperCaseStillMatch() {
        RouteTable t = table(route("r").hosts("Api.Example.com", "*.Example.ORG"));
        assertEquals("r", id(t, "api.example.com", "/"));
        assertEquals("r", id(t, "a.example.org", "/"));
    }

    @Test
    void exactPathThenLongestPrefixThenRegexThenAnyPath() {
        RouteTable t = table(
                route("root-prefix").prefix("/").priority(100),
                route("no-path").priority(50),
                route("regex").regex("\\.png$").priority(100),
                route("api").prefix("/api/").priority(100),
                route("users").prefix("/api/users"),
                route("exact").path("/api/users"));
        assertEquals("exact", id(t, "h", "/api/users"));
        assertEquals("users", id(t, "h", "/api/users/7"));
        assertEquals("users", id(t, "h", "/api/usersx"), "prefixes are plain string prefixes");
        assertEquals("api", id(t, "h", "/api/other"));
        assertEquals("api", id(t, "h", "/api/logo.png"), "a prefix beats a regex");
        assertEquals("regex", id(t, "h", "/img/logo.png"), "a regex beats the any-path routes");
        assertEquals("root-prefix", id(t, "h", "/index.html"), "prefix / ranks with no path, by priority");
        assertEquals("root-prefix", id(t, "h", "/api"));
    }

    @Test
    void hostSpecificityComesBeforePathSpecificity() {
        RouteTable t = table(
                route("any-exact-path").path("/login").priority(100),
                route("wild-prefix").hosts("*.example.com").prefix("/log"),
                route("host-catch-all").hosts("app.example.com"));
        assertEquals("host-catch-all", id(t, "app.example.com", "/login"));
        assertEquals("wild-prefix", id(t, "www.example.com", "/login"));
        assertEquals("any-exact-path", id(t, "other.net", "/login"));
    }

    @Test
    void priorityThenIdBreakTies() {
        RouteTable t = table(
                route("b").prefix("/p"),
                route("a").prefix("/p"),
                route("c").prefix("/q"),
                route("d").prefix("/q").priority(5),
                route("z").path("/e").priority(1),
                route("y").path("/e"),
                route("r2").regex("^/r"),
                route("r1").regex("^/r"));
        assertEquals("a", id(t, "h", "/p/1"));
        assertEquals("d", id(t, "h", "/q/1"));
        assertEquals("z", id(t, "h", "/e"));
        assertEquals("r1", id(t, "h", "/r"));
    }

    @Test
    void methodAndHeaderFiltersPassToTheNextCandidate() {
        RouteTable t = table(
                route("writes").hosts("api.example.com").prefix("/api").methods("POST", "put").priority(10),
                route("canary").hosts("api.example.com").prefix("/api").header("x-canary", "1").priority(5),
                route("reads").hosts("api.example.com").prefix("/api"),
                route("wild-delete").hosts("*.example.com").methods("DELETE"),
                route("fallback"));
        HttpHeaders canary = new DefaultHttpHeaders().add("X-Canary", "1");
        HttpHeaders notCanary = new DefaultHttpHeaders().add("x-canary", "2");
        assertEquals("writes", id(t, "api.example.com", "/api/x", "POST", NO_HEADERS));
        assertEquals("writes", id(t, "api.example.com", "/api/x", "PUT", NO_HEADERS));
        assertEquals("canary", id(t, "api.example.com", "/api/x", "GET", canary));
        assertEquals("reads", id(t, "api.example.com", "/api/x", "GET", notCanary));
        assertEquals("reads", id(t, "api.example.com", "/api/x", "GET", null));
        assertEquals("wild-delete", id(t, "api.example.com", "/other", "DELETE", NO_HEADERS));
        assertEquals("fallback", id(t, "api.example.com", "/other", "GET", NO_HEADERS));
        assertEquals("writes", t.match("api.example.com", "/api", HttpMethod.POST, NO_HEADERS).id());
    }

    @Test
    void headerFilterAcceptsAnyOfRepeatedValuesExactly() {
        RouteTable t = table(route("canary").header("x-canary", "on"));
        assertEquals("canary", id(t, "h", "/", "GET", new DefaultHttpHeaders().add("x-canary", "off")
                .add("x-canary", "on")));
        assertNull(id(t, "h", "/", "GET", new DefaultHttpHeaders().add("x-canary", "ON")));
        assertNull(id(t, "h", "/", "GET", new DefaultHttpHeaders().add("x-canary", "off, on")));
    }

    @Test
    void noMatchIsNull() {
        RouteTable t = table(route("api").hosts("a.com").prefix("/api"));
        assertNull(id(t, "a.com", "/ap"));
        assertNull(id(t, "b.com", "/api"));
        assertNull(RouteTable.empty().match("a.com", "/", "GET", NO_HEADERS));
    }

    @Test
    void queryOnThePathIsIgnored() {
        RouteTable t = table(route("exact").path("/search"), route("rest").prefix("/s"));
        assertEquals("exact", id(t, "h", "/search?q=1"));
    }

    @Test
    void routesAreKeptInConfigOrderById() {
        RouteTable t = table(route("b").prefix("/b"), route("a").prefix("/a"));
        assertEquals(2, t.size());
        assertEquals("b", t.routes().get(0).id());
        assertSame(t.route("a"), t.match("h", "/a", "GET", NO_HEADERS));
        assertTrue(t.toString().contains("2 routes"));
    }

    @Test
    void holderSwapsAndReturnsTheOldTable() {
        RouteTableHolder holder = new RouteTableHolder();
        RouteTable first = holder.get();
        assertEquals(0, first.size());
        RouteTable next = table(route("r"));
        assertSame(first, holder.swap(next));
        assertSame(next, holder.get());
    }
}
