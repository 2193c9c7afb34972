package dev.phalanx.node.balancing;

import static dev.phalanx.node.balancing.TestRequests.balancer;
import static dev.phalanx.node.balancing.TestRequests.count;
import static dev.phalanx.node.balancing.TestRequests.endpoints;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.node.balancing.TestRequests.Request;
import dev.phalanx.node.upstream.Endpoint;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** least-request and p2c: both follow in-flight counts weighted by endpoint weight. */
class LoadAwareBalancerTest {

    private static void load(Endpoint e, int inFlight) {
        for (int i = 0; i < inFlight; i++) {
            e.requestStarted();
        }
    }

    @Test
    void leastRequestTakesTheLeastLoaded() {
        List<Endpoint> eps = endpoints(1, 1, 1);
        load(eps.get(0), 10);
        load(eps.get(2), 5);
        Map<Endpoint, Integer> counts = count(balancer(LbPolicy.LEAST_REQUEST, eps), new Request(), 100_000);
        assertEquals(Map.of(eps.get(1), 100_000), counts);
    }

    @Test
    void leastRequestBreaksTiesAtRandom() {
        List<Endpoint> eps = endpoints(1, 1, 1, 1);
        load(eps.get(0), 3);
        Map<Endpoint, Integer> counts = count(balancer(LbPolicy.LEAST_REQUEST, eps), new Request(), 90_000);
        assertNull(counts.get(eps.get(0)));
        for (Endpoint e : eps.subList(1, 4)) {
            assertEquals(30_000, counts.get(e), 1_500, e.toString());
        }
    }

    @Test
    void leastRequestWeighsInFlightByWeight() {
        List<Endpoint> eps = endpoints(1, 4);
        load(eps.get(0), 1); // load (1+1)/1 = 2
        load(eps.get(1), 6); // load (6+1)/4 = 1.75
        assertSame(eps.get(1), balancer(LbPolicy.LEAST_REQUEST, eps).pick(new Request()));
    }

    @Test
    void p2cFavoursTheLessLoaded() {
        List<Endpoint> eps = endpoints(1, 1, 1, 1);
        load(eps.get(1), 10);
        load(eps.get(2), 10);
        load(eps.get(3), 10);
        Map<Endpoint, Integer> counts = count(balancer(LbPolicy.P2C, eps), new Request(), 100_000);
        // the idle endpoint is in half of all random pairs and wins each of them
        assertEquals(50_000, counts.get(eps.get(0)), 1_500);
        for (Endpoint e : eps.subList(1, 4)) {
            assertEquals(16_667, counts.get(e), 1_500, e.toString());
        }
    }

    /**
     * A closed loop: each pick starts a request, requests finish in random order, 64 in flight. A load-aware balancer
     * keeps an endpoint of weight 3 three times as busy as one of weight 1.
     */
    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"LEAST_REQUEST", "P2C"})
    void underSteadyLoadPicksFollowWeights(LbPolicy lb) {
        List<Endpoint> eps = endpoints(3, 1);
        Balancer balancer = balancer(lb, eps);
        Request request = new Request();
        Random random = new Random(7);
        ArrayDeque<Endpoint> inFlight = new ArrayDeque<>();
        int[] counts = new int[2];
        for (int i = 0; i < 100_000; i++) {
            Endpoint e = balancer.pick(request);
            e.requestStarted();
            inFlight.add(e);
            counts[eps.indexOf(e)]++;
            if (inFlight.size() >= 64) {
                // finish a random one of the oldest few
                Endpoint done = random.nextBoolean() ? inFlight.pollFirst() : inFlight.pollLast();
                done.requestEnded();
            }
        }
        double share = counts[0] / 100_000.0;
        assertTrue(share > 0.70 && share < 0.80, lb + " share of the weight-3 endpoint: " + share);
    }

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"LEAST_REQUEST", "P2C"})
    void skipsUnavailableAndPrefersUntried(LbPolicy lb) {
        List<Endpoint> eps = endpoints(1, 1, 1);
        Balancer balancer = balancer(lb, eps);
        load(eps.get(1), 50); // the most loaded is the only untried available one below
        eps.get(2).setActiveHealthy(false);
        Request retry = new Request();
        retry.tried.add(eps.get(0));
        assertEquals(Map.of(eps.get(1), 10_000), count(balancer, retry, 10_000));

        retry.tried.add(eps.get(1));
        Endpoint again = balancer.pick(retry);
        assertTrue(again == eps.get(0) || again == eps.get(1), "a tried endpoint beats none: " + again);

        eps.forEach(e -> e.setActiveHealthy(false));
        assertNull(balancer.pick(new Request()));
    }

    @Test
    void p2cWithOneEndpoint() {
        List<Endpoint> eps = endpoints(1);
        Balancer p2c = balancer(LbPolicy.P2C, eps);
        assertSame(eps.get(0), p2c.pick(new Request()));
        eps.get(0).setActiveHealthy(false);
        assertNull(p2c.pick(new Request()));
    }
}
