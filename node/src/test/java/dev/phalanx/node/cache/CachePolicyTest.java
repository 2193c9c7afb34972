package dev.phalanx.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.CacheSpec;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The storage and freshness rules against RFC 9111, one row per rule. */
class CachePolicyTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final CachePolicy POLICY = CachePolicy.of(CacheSpec.DEFAULT);

    private static HttpHeaders headers(String spec) {
        HttpHeaders h = new DefaultHttpHeaders();
        if (spec.isBlank()) {
            return h;
        }
        for (String field : spec.split("\\|")) {
            int colon = field.indexOf(':');
            h.add(field.substring(0, colon).trim(), field.substring(colon + 1).trim()
                    .replace("NOW-1h", DateFormatter.format(new Date(NOW - 3_600_000)))
                    .replace("NOW+1h", DateFormatter.format(new Date(NOW + 3_600_000)))
                    .replace("NOW-10h", DateFormatter.format(new Date(NOW - 36_000_000))).replace('~', ';'));
        }
        return h;
    }

    /** status; response fields; request fields; stored?; lifetime in seconds when stored. */
    @ParameterizedTest(name = "{0} [{1}] req [{2}] -> {3}")
    @CsvSource(delimiter = ';', value = {
        "200; cache-control: max-age=60; ; true; 60",
        "200; cache-control: s-maxage=30, max-age=60; ; true; 30",                 // §5.2.2.10 s-maxage first
        "200; expires: NOW+1h; ; true; 3600",                                       // §4.2.1 Expires - Date
        "200; expires: yesterday; ; false; 0",                                      // invalid Expires = stale; no validator
        "200; expires: yesterday|etag: \"a\"; ; true; 0",
        "200; cache-control: max-age=60, no-store; ; false; 0",                     // §3 no-store
        "200; cache-control: max-age=60; cache-control: no-store; false; 0",       // request no-store
        "200; cache-control: private, max-age=60; ; false; 0",                      // §5.2.2.7 shared cache
        "200; cache-control: max-age=60; authorization: Basic eA==; false; 0",     // §3.5
        "200; cache-control: max-age=60, public; authorization: Basic eA==; true; 60",
        "200; cache-control: s-maxage=60; authorization: Basic eA==; true; 60",
        "200; cache-control: max-age=60, must-revalidate; authorization: Basic eA==; true; 60",
        "200; last-modified: NOW-10h; ; true; 3600",                                // §4.2.2 heuristic 10%
        "200; ; ; false; 0",                                                        // heuristic 0, no validator
        "200; etag: \"x\"; ; true; 0",
        "302; last-modified: NOW-10h; ; false; 0",                                  // not heuristically cacheable
        "302; cache-control: max-age=60; ; true; 60",                               // explicit: any final status
        "500; cache-control: max-age=60; ; true; 60",
        "404; last-modified: NOW-10h; ; true; 3600",
        "206; cache-control: max-age=60|content-range: bytes 0-1/2; ; false; 0",
        "599; cache-control: max-age=60, must-understand; ; false; 0",               // §5.2.2.3
        "200; cache-control: max-age=60, must-understand, no-store; ; true; 60",
        "200; cache-control: no-store|surrogate-control: max-age=30; ; true; 30",  // Edge Architecture
        "200; cache-control: max-age=60|surrogate-control: no-store; ; false; 0",
        "200; cache-control: max-age=60|surrogate-control: max-age=1~other; ; true; 60",
        "200; cache-control: max-age=60|surrogate-control: max-age=5~phalanx; ; true; 5",
        "304; cache-control: max-age=60; ; false; 0",
        "200; cache-control: max-age=60|set-cookie: a=b; ; true; 60",
        "200; cache-control: no-cache|etag: \"e\"; ; true; 0",
        "200; cache-control: no-cache; ; false; 0",
        "200; cache-control: max-age=\"60\"; ; true; 60",                           // quoted value accepted
        "200; cache-control: max-age=abc|etag: \"e\"; ; true; 0",                   // invalid = stale
        "200; cache-control: max-age=60|cache-control: max-age=10; ; true; 60",     // first occurrence
    })
    void storageAndLifetime(int status, String response, String request, boolean stored, long lifetime) {
        HttpHeaders resp = headers(response == null ? "" : response);
        resp.set("date", DateFormatter.format(new Date(NOW)));
        HttpHeaders req = headers(request == null ? "" : request);
        Freshness f = POLICY.storable(req, CacheControl.of(req, true), status, resp, CacheControl.of(resp, false),
                CachePolicy.date(resp, NOW));
        if (!stored) {
            assertNull(f);
            return;
        }
        assertNotNull(f);
        assertEquals(lifetime * 1000, f.lifetime());
    }

    @Test
    void routeStatusesAndStaleDefaults() {
        CachePolicy only200 = CachePolicy.of(new CacheSpec(100, CacheSpec.METHODS, List.of(200), List.of(), List.of(),
                Duration.ofSeconds(7), Duration.ofSeconds(9), List.of(), Duration.ZERO));
        HttpHeaders resp = headers("cache-control: max-age=60");
        assertNull(only200.storable(new DefaultHttpHeaders(), CacheControl.NONE, 404, resp,
                CacheControl.of(resp, false), NOW));
        Freshness f = only200.storable(new DefaultHttpHeaders(), CacheControl.NONE, 200, resp,
                CacheControl.of(resp, false), NOW);
        assertEquals(7000, f.staleWhileRevalidate());
        assertEquals(9000, f.staleIfError());
        HttpHeaders own = headers("cache-control: max-age=60, stale-if-error=3, stale-while-revalidate=2");
        Freshness g = only200.storable(new DefaultHttpHeaders(), CacheControl.NONE, 200, own,
                CacheControl.of(own, false), NOW);
        assertEquals(2000, g.staleWhileRevalidate());
        assertEquals(3000, g.staleIfError());
    }

    @Test
    void ageAsSection423Computes() {
        HttpHeaders resp = headers("age: 10");
        // Date 5 s before the response arrived, request took 2 s: apparent 5, corrected 10 + 2 = 12
        assertEquals(12_000, CachePolicy.initialAge(resp, NOW - 5000, NOW - 2000, NOW));
        assertEquals(5000, CachePolicy.initialAge(new DefaultHttpHeaders(), NOW - 5000, NOW, NOW));
        // an Age that is not one number reads as very old (stale at once)
        for (String bad : new String[] {"0, 0", "1.5", "-1", "abc", "0;a=1"}) {
            assertTrue(CachePolicy.initialAge(headers("age: " + bad), NOW, NOW, NOW) >= 2147483648000L, bad);
        }
        assertTrue(CachePolicy.initialAge(headers("age: 0|age: 0"), NOW, NOW, NOW) >= 2147483648000L);
    }

    /** stored lifetime s; stored age s; must-revalidate; swr s; request Cache-Control -> reuse. */
    @ParameterizedTest(name = "lifetime {0} age {1} mr {2} swr {3} req [{4}] -> {5}")
    @CsvSource(delimiter = ';', value = {
        "60; 10; false; 0; ; FRESH",
        "60; 70; false; 0; ; VALIDATE",
        "60; 70; false; 30; ; STALE_WHILE_REVALIDATE",
        "60; 100; false; 30; ; VALIDATE",
        "60; 70; true; 30; ; VALIDATE",                 // must-revalidate: never stale
        "60; 10; false; 0; no-cache; VALIDATE",          // §5.2.1.4
        "60; 10; false; 0; max-age=5; VALIDATE",         // §5.2.1.1
        "60; 10; false; 0; min-fresh=55; VALIDATE",      // §5.2.1.3
        "60; 70; false; 0; max-stale=20; FRESH",         // §5.2.1.2
        "60; 70; false; 0; max-stale; FRESH",
        "60; 70; true; 0; max-stale; VALIDATE",
    })
    void reuse(long lifetime, long age, boolean mustRevalidate, long swr, String request, Reuse expected) {
        CachedResponse r = new CachedResponse("http://h/", 200, new DefaultHttpHeaders(), Unpooled.EMPTY_BUFFER,
                NOW, age * 1000, new Freshness(lifetime * 1000, false, mustRevalidate, swr * 1000, 0), Set.of());
        HttpHeaders req = headers(request == null ? "" : "cache-control: " + request);
        assertEquals(expected, CachePolicy.reuse(r, CacheControl.of(req, true), NOW));
    }
}
