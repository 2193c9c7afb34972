package dev.phalanx.node.balancing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.model.SlowStartSpec;
import dev.phalanx.node.upstream.Endpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SlowStartBalancerTest {
    private static final Duration WINDOW = Duration.ofSeconds(100);
    private static final long SECOND = 1_000_000_000L;
    private static final int PICKS = 20_000;

    @Test
    void weightFractionRampsLinearlyFromTheMinimum() {
        long window = 10 * SECOND;
        assertEquals(1.0, SlowStartBalancer.weightFraction(0, 5 * SECOND, window, 0.1), "no ramp: full weight");
        assertEquals(0.1, SlowStartBalancer.weightFraction(100, 100, window, 0.1), 1e-9);
        assertEquals(0.55, SlowStartBalancer.weightFraction(100, 100 + 5 * SECOND, window, 0.1), 1e-9);
        assertEquals(1.0, SlowStartBalancer.weightFraction(100, 100 + window, window, 0.1));
    }

    @ParameterizedTest
    @EnumSource(value = LbPolicy.class, names = {"ROUND_ROBIN", "LEAST_REQUEST", "P2C"})
    void aReturningEndpointGetsARampedShare(LbPolicy lb) {
        List<Endpoint> eps = TestRequests.endpoints(1, 1);
        Balancer balancer = balancer(lb, eps, 10);
        Endpoint back = eps.get(1);

        back.startRamp(System.nanoTime()); // just back: 10% of its weight
        double start = share(balancer, back);
        back.startRamp(System.nanoTime() - WINDOW.toNanos() / 2); // half-way: 55%
        double half = share(balancer, back);
        back.startRamp(System.nanoTime() - WINDOW.toNanos()); // ramp over
        double full = share(balancer, back);
        System.out.printf("FIGURE slow start %s: share of the returning endpoint at 0%%, 50%%, 100%% of the window:"
                + " %.3f %.3f %.3f%n", lb.configName(), start, half, full);
        // round robin weighs the returning endpoint f against 1: f / (1 + f) = 0.09, 0.35, 0.50; least-request and
        // p2c (idle endpoints, a tie) give it f of its half: 0.05, 0.275, 0.50
        boolean rr = lb == LbPolicy.ROUND_ROBIN;
        assertEquals(rr ? 0.1 / 1.1 : 0.05, start, 0.03);
        assertEquals(rr ? 0.55 / 1.55 : 0.275, half, 0.04);
        assertEquals(0.5, full, 0.03);
        assertTrue(start < half && half < full);
    }

    @Test
    void aRampingEndpointStillTakesTrafficWhenItIsTheOnlyOne() {
        List<Endpoint> eps = TestRequests.endpoints(1, 1);
        Balancer balancer = balancer(LbPolicy.ROUND_ROBIN, eps, 1);
        eps.get(0).setActiveHealthy(false);
        eps.get(1).startRamp(System.nanoTime());
        for (int i = 0; i < 100; i++) {
            assertSame(eps.get(1), balancer.pick(new TestRequests.Request()));
        }
    }

    @Test
    void comingBackHealthyOrFromAnEjectionStartsTheRamp() {
        Endpoint e = TestRequests.endpoint(1, 1);
        assertEquals(0, e.rampStartNanos(), "available since the start: no ramp");
        e.setActiveHealthy(false);
        e.setActiveHealthy(true);
        long healthy = e.rampStartNanos();
        assertTrue(healthy != 0);
        e.ejectUntil(System.nanoTime() - 1);
        assertTrue(e.isAvailable());
        assertTrue(e.rampStartNanos() - healthy > 0, "the ejection's end restarts it");
    }

    @Test
    void hashingPoliciesAreNotWrapped() {
        List<Endpoint> eps = TestRequests.endpoints(1, 1);
        PoolSpec spec = withSlowStart(TestRequests.spec(LbPolicy.IP_HASH, eps, null), 10);
        assertTrue(!(Balancers.create(spec, eps) instanceof SlowStartBalancer));
        assertInstanceOf(SlowStartBalancer.class, balancer(LbPolicy.P2C, eps, 10));
    }

    private static Balancer balancer(LbPolicy lb, List<Endpoint> eps, int minPercent) {
        return Balancers.create(withSlowStart(TestRequests.spec(lb, eps, null), minPercent), eps);
    }

    private static PoolSpec withSlowStart(PoolSpec s, int minPercent) {
        return new PoolSpec(s.id(), s.lb(), s.endpoints(), s.hashOn(), s.healthCheck(), s.outlier(), null,
                new SlowStartSpec(WINDOW, minPercent), s.limits());
    }

    private static double share(Balancer balancer, Endpoint e) {
        int hits = 0;
        for (int i = 0; i < PICKS; i++) {
            if (balancer.pick(new TestRequests.Request()) == e) {
                hits++;
            }
        }
        return (double) hits / PICKS;
    }
}
