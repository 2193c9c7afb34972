package dev.phalanx.node.routing;

import static dev.phalanx.node.routing.Routes.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.RouteSpec;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 10,000 routes: 2,000 exact hosts with 3 routes each, 500 wildcard suffixes with 2 each (one regex), 3,000
 * any-host prefixes. Prints the build time and the cost of a lookup; asserts only a loose build bound (a quadratic
 * build would blow it) and that every lookup found the expected route.
 */
class RouteTableScaleTest {
    private static final int HOSTS = 2_000;
    private static final int WILDCARDS = 500;
    private static final int ANY = 3_000;

    private static List<RouteSpec> specs() {
        List<RouteSpec> specs = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            String host = "svc" + i + ".example.com";
            specs.add(route("h" + i + "-status").hosts(host).path("/status").spec());
            specs.add(route("h" + i + "-api").hosts(host).prefix("/api/").spec());
            specs.add(route("h" + i + "-users").hosts(host).prefix("/api/users/").methods("GET").spec());
        }
        for (int k = 0; k < WILDCARDS; k++) {
            specs.add(route("w" + k + "-root").hosts("*.t" + k + ".example.net").prefix("/").spec());
            specs.add(route("w" + k + "-png").hosts("*.t" + k + ".example.net").regex("\\.png$").spec());
        }
        for (int m = 0; m < ANY; m++) {
            specs.add(route("any-" + m).prefix("/any/" + m + "/").spec());
        }
        return specs;
    }

    private record Lookup(String host, String path, String expected) {
    }

    private static Lookup randomLookup(Random random) {
        int i = random.nextInt(HOSTS);
        int k = random.nextInt(WILDCARDS);
        int m = random.nextInt(ANY);
        return switch (random.nextInt(8)) {
            case 0 -> new Lookup("svc" + i + ".example.com", "/status", "h" + i + "-status");
            case 1 -> new Lookup("SVC" + i + ".example.com:443", "/api/users/" + m, "h" + i + "-users");
            case 2 -> new Lookup("svc" + i + ".example.com", "/api/orders/" + m, "h" + i + "-api");
            case 3 -> new Lookup("svc" + i + ".example.com", "/any/" + m + "/x", "any-" + m);
            case 4 -> new Lookup("a.t" + k + ".example.net", "/img/" + m + ".png", "w" + k + "-png");
            case 5 -> new Lookup("b.c.t" + k + ".example.net", "/page/" + m, "w" + k + "-root");
            case 6 -> new Lookup("unknown" + m + ".org", "/any/" + m + "/deep/path", "any-" + m);
            default -> new Lookup("unknown.org", "/nothing/" + m, null);
        };
    }

    @Test
    void tenThousandRoutesBuildQuicklyAndLookUpWithoutScanning() {
        List<RouteSpec> specs = specs();
        assertEquals(10_000, specs.size());
        long t0 = System.nanoTime();
        RouteTable table = RouteTable.compile(specs, Routes.pools("default"));
        long buildMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("RouteTable: %d routes compiled in %d ms%n", table.size(), buildMillis);
        assertTrue(buildMillis < 5_000, "compiling 10,000 routes took " + buildMillis + " ms");

        Random random = new Random(42);
        Lookup[] lookups = new Lookup[4096];
        for (int j = 0; j < lookups.length; j++) {
            lookups[j] = randomLookup(random);
        }
        HttpHeaders headers = new DefaultHttpHeaders();
        // warm up, checking every answer
        for (Lookup l : lookups) {
            Route r = table.match(l.host, l.path, "GET", headers);
            assertEquals(l.expected, r == null ? null : r.id(), l.host + l.path);
        }
        int rounds = 1_000_000;
        int wrong = 0;
        long t1 = System.nanoTime();
        for (int j = 0; j < rounds; j++) {
            Lookup l = lookups[j & 4095];
            Route r = table.match(l.host, l.path, "GET", headers);
            if (!Objects.equals(l.expected, r == null ? null : r.id())) {
                wrong++;
            }
        }
        long nanos = System.nanoTime() - t1;
        System.out.printf("RouteTable: %d lookups, %.0f ns/lookup%n", rounds, nanos / (double) rounds);
        assertEquals(0, wrong);
    }
}
