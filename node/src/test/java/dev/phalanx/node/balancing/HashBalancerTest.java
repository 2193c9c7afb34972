package dev.phalanx.node.balancing;

import static dev.phalanx.node.balancing.TestRequests.count;
import static dev.phalanx.node.balancing.TestRequests.endpoint;
import static dev.phalanx.node.balancing.TestRequests.endpoints;
import static dev.phalanx.node.balancing.TestRequests.ipv4;
import static dev.phalanx.node.balancing.TestRequests.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.HashOn;
import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.node.balancing.TestRequests.Request;
import dev.phalanx.node.upstream.Endpoint;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** consistent-hash and ip-hash: stickiness, spread, stability under pool changes, fallbacks. */
class HashBalancerTest {
    private static final HashOn USER_HEADER = new HashOn(HashOn.Kind.HEADER, "x-user");
    private static final int KEYS = 100_000;

    private static Balancer consistent(List<Endpoint> eps, HashOn on) {
        return Balancers.create(spec(LbPolicy.CONSISTENT_HASH, eps, on), eps);
    }

    /** Where each of {@link #KEYS} user keys goes. */
    private static Endpoint[] placeUsers(Balancer balancer) {
        Endpoint[] placed = new Endpoint[KEYS];
        Request request = new Request();
        for (int k = 0; k < KEYS; k++) {
            request.headers.put("x-user", "user-" + k);
            placed[k] = balancer.pick(request);
        }
        return placed;
    }

    @Test
    void consistentHashIsStickyAndSpreadsKeys() {
        List<Endpoint> eps = endpoints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        Balancer balancer = consistent(eps, USER_HEADER);
        Endpoint[] first = placeUsers(balancer);
        Endpoint[] second = placeUsers(balancer);
        Map<Endpoint, Integer> perEndpoint = new HashMap<>();
        for (int k = 0; k < KEYS; k++) {
            assertSame(first[k], second[k], "key " + k);
            perEndpoint.merge(first[k], 1, Integer::sum);
        }
        assertEquals(10, perEndpoint.size());
        for (int n : perEndpoint.values()) {
            assertTrue(n > KEYS / 10 * 0.7 && n < KEYS / 10 * 1.3, "keys per endpoint: " + perEndpoint.values());
        }
    }

    @Test
    void consistentHashHonoursWeights() {
        List<Endpoint> eps = endpoints(1, 3);
        Endpoint[] placed = placeUsers(consistent(eps, USER_HEADER));
        int heavy = 0;
        for (Endpoint e : placed) {
            heavy += e == eps.get(1) ? 1 : 0;
        }
        assertEquals(0.75, heavy / (double) KEYS, 0.05);
    }

    @Test
    void addingOneEndpointMovesAboutOneNthOfTheKeysAllToIt() {
        List<Endpoint> ten = endpoints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        List<Endpoint> eleven = new ArrayList<>(ten);
        Endpoint added = endpoint(11, 1);
        eleven.add(added);
        Endpoint[] before = placeUsers(consistent(ten, USER_HEADER));
        Endpoint[] after = placeUsers(consistent(eleven, USER_HEADER));
        int moved = 0;
        for (int k = 0; k < KEYS; k++) {
            if (before[k] != after[k]) {
                moved++;
                assertSame(added, after[k], "a key moved between two old endpoints");
            }
        }
        assertEquals(1.0 / 11, moved / (double) KEYS, 0.03);
    }

    @Test
    void removingOneEndpointMovesOnlyItsKeys() {
        List<Endpoint> ten = endpoints(1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        List<Endpoint> nine = new ArrayList<>(ten);
        Endpoint removed = nine.remove(4);
        Endpoint[] before = placeUsers(consistent(ten, USER_HEADER));
        Endpoint[] after = placeUsers(consistent(nine, USER_HEADER));
        int moved = 0;
        for (int k = 0; k < KEYS; k++) {
            if (before[k] != after[k]) {
                moved++;
                assertSame(removed, before[k], "a key of a remaining endpoint moved");
            }
        }
        assertEquals(1.0 / 10, moved / (double) KEYS, 0.03);
    }

    @Test
    void unavailableOwnerSendsItsKeysToTheNextEndpointOnTheRingAndBack() {
        List<Endpoint> eps = endpoints(1, 1, 1, 1, 1);
        Balancer balancer = consistent(eps, USER_HEADER);
        Endpoint[] healthy = placeUsers(balancer);
        Endpoint down = eps.get(2);
        down.setActiveHealthy(false);
        Endpoint[] degraded = placeUsers(balancer);
        // the walk goes where the key would go if the endpoint were removed from the pool
        List<Endpoint> without = new ArrayList<>(eps);
        without.remove(down);
        Endpoint[] removed = placeUsers(consistent(without, USER_HEADER));
        for (int k = 0; k < KEYS; k++) {
            assertNotSame(down, degraded[k]);
            if (healthy[k] != down) {
                assertSame(healthy[k], degraded[k], "key " + k + " of a healthy endpoint moved");
            }
            assertSame(removed[k], degraded[k], "key " + k);
        }
        down.setActiveHealthy(true);
        Endpoint[] recovered = placeUsers(balancer);
        for (int k = 0; k < KEYS; k++) {
            assertSame(healthy[k], recovered[k]);
        }
    }

    @Test
    void consistentHashRetryWalksToAnotherEndpoint() {
        List<Endpoint> eps = endpoints(1, 1, 1);
        Balancer balancer = consistent(eps, USER_HEADER);
        Request request = new Request();
        request.headers.put("x-user", "alice");
        Endpoint first = balancer.pick(request);
        request.tried.add(first);
        Endpoint second = balancer.pick(request);
        assertNotSame(first, second);
        request.tried.add(second);
        Endpoint third = balancer.pick(request);
        assertNotSame(first, third);
        assertNotSame(second, third);
        request.tried.add(third);
        assertSame(first, balancer.pick(request), "all tried: the key's own endpoint again");
        eps.forEach(e -> e.setActiveHealthy(false));
        assertNull(balancer.pick(request));
    }

    @Test
    void consistentHashOnCookiePathAndClientAddress() throws Exception {
        List<Endpoint> eps = endpoints(1, 1, 1, 1);
        Request request = new Request();
        request.cookies.put("session", "abc");
        request.path = "/items/42";
        request.client = InetAddress.getByName("192.0.2.7");
        for (HashOn on : List.of(new HashOn(HashOn.Kind.COOKIE, "session"), new HashOn(HashOn.Kind.PATH, null),
                new HashOn(HashOn.Kind.CLIENT_IP, null))) {
            Balancer balancer = consistent(eps, on);
            Endpoint e = balancer.pick(request);
            assertEquals(Map.of(e, 1_000), count(balancer, request, 1_000), on.configValue());
        }
        // different keys land on different endpoints (the hash depends on the key)
        Balancer byPath = consistent(eps, new HashOn(HashOn.Kind.PATH, null));
        Map<Endpoint, Integer> spread = new HashMap<>();
        for (int i = 0; i < 1_000; i++) {
            request.path = "/items/" + i;
            spread.merge(byPath.pick(request), 1, Integer::sum);
        }
        assertEquals(4, spread.size());
    }

    @Test
    void missingKeyFallsBackToRoundRobin() {
        List<Endpoint> eps = endpoints(1, 1, 2);
        Map<Endpoint, Integer> counts = count(consistent(eps, USER_HEADER), new Request(), 40_000);
        assertEquals(10_000, counts.get(eps.get(0)));
        assertEquals(10_000, counts.get(eps.get(1)));
        assertEquals(20_000, counts.get(eps.get(2)));
    }

    @Test
    void ipHashIsStickyPerClientAndSpreadsClientsByWeight() {
        List<Endpoint> eps = endpoints(1, 1, 2);
        Balancer balancer = Balancers.create(spec(LbPolicy.IP_HASH, eps, null), eps);
        Request request = new Request();
        Map<Endpoint, Integer> clients = new HashMap<>();
        for (int i = 0; i < KEYS; i++) {
            request.client = ipv4(i);
            Endpoint e = balancer.pick(request);
            assertSame(e, balancer.pick(request));
            clients.merge(e, 1, Integer::sum);
        }
        assertEquals(KEYS / 4, clients.get(eps.get(0)), KEYS / 100);
        assertEquals(KEYS / 4, clients.get(eps.get(1)), KEYS / 100);
        assertEquals(KEYS / 2, clients.get(eps.get(2)), KEYS / 100);
    }

    @Test
    void ipHashFallsBackDeterministicallyToTheNextAvailableEndpoint() throws Exception {
        List<Endpoint> eps = endpoints(1, 1, 1, 1);
        Balancer balancer = Balancers.create(spec(LbPolicy.IP_HASH, eps, null), eps);
        Request request = new Request();
        request.client = InetAddress.getByName("2001:db8::17");
        Endpoint home = balancer.pick(request);
        int index = eps.indexOf(home);
        home.setActiveHealthy(false);
        Endpoint next = eps.get((index + 1) % 4);
        assertEquals(Map.of(next, 100), count(balancer, request, 100));
        next.setActiveHealthy(false);
        assertEquals(Map.of(eps.get((index + 2) % 4), 100), count(balancer, request, 100));
        home.setActiveHealthy(true);
        assertSame(home, balancer.pick(request));
        request.tried.add(home);
        assertNotEquals(home, balancer.pick(request), "a retry goes to another endpoint");
        eps.forEach(e -> e.setActiveHealthy(false));
        assertNull(balancer.pick(request));
    }

    @Test
    void defaultsWhenTheSpecLeavesThemOut() throws Exception {
        List<Endpoint> eps = endpoints(1, 3);
        Balancer rr = Balancers.create(spec(null, eps, null), eps);
        Map<Endpoint, Integer> counts = count(rr, new Request(), 400);
        assertEquals(100, counts.get(eps.get(0)), "no lb: weighted round robin");
        Balancer byClient = Balancers.create(spec(LbPolicy.CONSISTENT_HASH, eps, null), eps);
        Request request = new Request();
        request.client = InetAddress.getByName("198.51.100.9");
        assertEquals(1, count(byClient, request, 100).size(), "consistent-hash without hashOn: client address");
    }

    @Test
    void hashesAreStableAndSpread() throws Exception {
        // fixed values: a hash that changed between releases would move every sticky client at an upgrade
        assertEquals(0x97877cad463bebf6L, Hashing.hashChars("user-1"));
        assertEquals(0xff5f7d121788968bL, Hashing.hashAddress(InetAddress.getByName("192.0.2.7")));
        assertEquals(0x64737e4cf7434974L, Hashing.hashAddress(InetAddress.getByName("2001:db8::1")));
        assertEquals(Hashing.hashChars("user-1"), Hashing.hashChars(new StringBuilder("user-1")));
        assertNotEquals(Hashing.hashChars("user-1"), Hashing.hashChars("user-2"));
        assertNotEquals(Hashing.hashChars("abcd"), Hashing.hashChars("abce"));
        assertNotEquals(Hashing.hashAddress(ipv4(1)), Hashing.hashAddress(ipv4(2)));
    }
}
