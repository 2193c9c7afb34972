package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.chaos.cluster.VipEvents;
import dev.phalanx.chaos.load.Sample;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AnalysisTest {
    static final String VIP = "10.0.0.101";

    @Test
    void dualHoldingIsTheOverlapAfterTheStart() {
        // node 1 holds the VIP; node 2 adds it at 1000 (during a freeze), node 1 is unpaused at 5000,
        // node 2 deletes it at 5150
        List<VipEvents.Event> events = List.of(new VipEvents.Event(1000, 2, VIP, true),
                new VipEvents.Event(5150, 2, VIP, false), new VipEvents.Event(7000, 3, VIP, true),
                new VipEvents.Event(7040, 3, VIP, false));
        assertEquals(150, VipTimeline.longestDualMicros(Set.of(1), events, VIP, 5000, 9000));
        assertEquals(4000, VipTimeline.longestDualMicros(Set.of(1), events, VIP, 1000, 5000));
        assertEquals(0, VipTimeline.longestDualMicros(Set.of(1), events, "10.0.0.102", 0, 9000));
        assertEquals(Set.of(1, 2), VipTimeline.holdersAt(Set.of(1), events, VIP, 3000));
    }

    @Test
    void rateWindowsCountCertainAndPossibleAdmissions() {
        long w = 2_000_000;
        List<Sample> s = List.of(
                sample(10 * w - 100, 10 * w - 50, 200),     // window 9 (edge window, not counted)
                sample(11 * w + 10, 11 * w + 20, 200),       // certain in 11
                sample(11 * w + 30, 11 * w + 40, 429),       // refused
                sample(12 * w - 10, 12 * w + 10, 200),       // crosses 11/12: possible in both
                sample(13 * w + 5, 13 * w + 6, 200));        // last window (edge)
        List<RateWindows.Window> windows = RateWindows.count(s, w, 60, Map.of(12L, 1));
        assertEquals(3, windows.size());
        RateWindows.Window w11 = windows.stream().filter(x -> x.index() == 11).findFirst().orElseThrow();
        assertEquals(1, w11.certain());
        assertEquals(2, w11.possible());
        assertEquals(1, w11.degraded());
        assertEquals(80, w11.bound());
    }

    @Test
    void percentilesAreNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, Scenarios.percentile(v, 50));
        assertEquals(10, Scenarios.percentile(v, 99));
        assertEquals(0, Scenarios.percentile(new double[0], 50));
    }

    private static Sample sample(long start, long end, int status) {
        return new Sample(1, start, end, status, null, 1, start);
    }
}
