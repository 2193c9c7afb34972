package dev.phalanx.node.balancing;

import static dev.phalanx.node.balancing.TestRequests.balancer;
import static dev.phalanx.node.balancing.TestRequests.count;
import static dev.phalanx.node.balancing.TestRequests.endpoints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.node.balancing.TestRequests.Request;
import dev.phalanx.node.upstream.Endpoint;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {

    @Test
    void picksEveryEndpointExactlyByWeight() {
        List<Endpoint> eps = endpoints(1, 2, 3, 4);
        Map<Endpoint, Integer> counts = count(balancer(LbPolicy.ROUND_ROBIN, eps), new Request(), 100_000);
        for (Endpoint e : eps) {
            assertEquals(10_000 * e.weight(), counts.get(e), e.toString());
        }
    }

    @Test
    void followsNginxSmoothOrder() {
        // nginx's documented example: weights a=5, b=1, c=1 give a a b a c a a
        assertArrayEquals(new int[] {0, 0, 1, 0, 2, 0, 0}, SmoothSequence.build(new int[] {5, 1, 1}, 8192));
        // the gcd is taken out: 100/200 is the cycle of 1/2
        assertArrayEquals(SmoothSequence.build(new int[] {1, 2}, 8192), SmoothSequence.build(new int[] {100, 200}, 8192));
    }

    @Test
    void capsLongCyclesKeepingEveryEndpoint() {
        int[] sequence = SmoothSequence.build(new int[] {100_000, 1, 49_999}, 8192);
        assertTrue(sequence.length <= 8192, "cycle length " + sequence.length);
        int[] counts = new int[3];
        for (int i : sequence) {
            counts[i]++;
        }
        assertTrue(counts[1] >= 1);
        assertEquals(2.0, (double) counts[0] / counts[2], 0.01);
    }

    @Test
    void unavailableEndpointsAreSkippedAndTheRestKeepTheirRatios() {
        List<Endpoint> eps = endpoints(1, 1, 1, 2);
        eps.get(1).setActiveHealthy(false);
        Map<Endpoint, Integer> counts = count(balancer(LbPolicy.ROUND_ROBIN, eps), new Request(), 100_000);
        assertEquals(null, counts.get(eps.get(1)));
        assertEquals(25_000, counts.get(eps.get(0)), 1_000);
        assertEquals(25_000, counts.get(eps.get(2)), 1_000);
        assertEquals(50_000, counts.get(eps.get(3)), 1_000);
    }

    @Test
    void heavyEndpointDownStillSpreadsOverTheOthers() {
        List<Endpoint> eps = endpoints(1000, 1, 1);
        eps.get(0).setActiveHealthy(false);
        Map<Endpoint, Integer> counts = count(balancer(LbPolicy.ROUND_ROBIN, eps), new Request(), 10_000);
        assertEquals(null, counts.get(null));
        assertEquals(10_000, counts.get(eps.get(1)) + counts.get(eps.get(2)));
        assertTrue(counts.get(eps.get(1)) > 2_000 && counts.get(eps.get(2)) > 2_000, counts.toString());
    }

    @Test
    void nullWhenNothingIsAvailable() {
        List<Endpoint> eps = endpoints(1, 2);
        eps.forEach(e -> e.setActiveHealthy(false));
        assertNull(balancer(LbPolicy.ROUND_ROBIN, eps).pick(new Request()));
        assertNull(Balancers.create(TestRequests.spec(LbPolicy.ROUND_ROBIN, List.of(), null), List.of())
                .pick(new Request()));
    }

    @Test
    void ejectedEndpointsAreSkippedUntilTheEjectionEnds() {
        List<Endpoint> eps = endpoints(1, 1);
        eps.get(0).ejectUntil(System.nanoTime() + 60_000_000_000L);
        Map<Endpoint, Integer> counts = count(balancer(LbPolicy.ROUND_ROBIN, eps), new Request(), 100);
        assertEquals(Map.of(eps.get(1), 100), counts);
    }

    @Test
    void retriesGoElsewhereWhenTheyCan() {
        List<Endpoint> eps = endpoints(5, 1, 1);
        Balancer rr = balancer(LbPolicy.ROUND_ROBIN, eps);
        Request retry = new Request();
        retry.tried.add(eps.get(0));
        Map<Endpoint, Integer> counts = count(rr, retry, 1_000);
        assertEquals(null, counts.get(eps.get(0)));
        assertEquals(500, counts.get(eps.get(1)), 50);

        // only the tried endpoint is left: it is better than nothing
        eps.get(1).setActiveHealthy(false);
        eps.get(2).setActiveHealthy(false);
        assertSame(eps.get(0), rr.pick(retry));
    }

    @Test
    void concurrentPickersTogetherFollowTheWeightsExactly() throws Exception {
        List<Endpoint> eps = endpoints(1, 2, 3, 4);
        Balancer rr = balancer(LbPolicy.ROUND_ROBIN, eps);
        int threads = 4;
        int perThread = 25_000;
        AtomicIntegerArray counts = new AtomicIntegerArray(eps.size());
        CountDownLatch start = new CountDownLatch(1);
        Thread[] pickers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            pickers[t] = new Thread(() -> {
                Request request = new Request();
                int[] local = new int[eps.size()];
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    local[eps.indexOf(rr.pick(request))]++;
                }
                for (int i = 0; i < local.length; i++) {
                    counts.addAndGet(i, local[i]);
                }
            });
            pickers[t].start();
        }
        start.countDown();
        for (Thread picker : pickers) {
            picker.join(30_000);
        }
        for (int i = 0; i < eps.size(); i++) {
            assertEquals(10_000 * eps.get(i).weight(), counts.get(i), eps.get(i).toString());
        }
    }
}
