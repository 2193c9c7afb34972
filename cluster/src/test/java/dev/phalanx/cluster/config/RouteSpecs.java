package dev.phalanx.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.RouteSpec;

final class RouteSpecs {
    private RouteSpecs() {
    }

    /** The route {@code id} is in force with this path prefix. */
    static void assertRoute(ConfigSnapshot s, String id, String pathPrefix) {
        RouteSpec r = s.routes().stream().filter(x -> x.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("route " + id + " not in force: " + s.routes()));
        assertEquals(pathPrefix, r.match().pathPrefix(), "route " + id);
    }
}
