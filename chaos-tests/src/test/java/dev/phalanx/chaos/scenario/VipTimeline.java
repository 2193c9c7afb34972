package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.cluster.VipEvents;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who holds a VIP over time, from a snapshot of holders and the address events after it: used to find the
 * periods in which a VIP was on two nodes at once.
 */
final class VipTimeline {
    private VipTimeline() {
    }

    /** Holders of {@code vip} at {@code atMicros}, replaying events from an initial set. */
    static Set<Integer> holdersAt(Set<Integer> initial, List<VipEvents.Event> events, String vip, long atMicros) {
        Set<Integer> h = new HashSet<>(initial);
        for (VipEvents.Event e : events) {
            if (e.atMicros() > atMicros) {
                break;
            }
            if (e.vip().equals(vip)) {
                if (e.added()) {
                    h.add(e.node());
                } else {
                    h.remove(e.node());
                }
            }
        }
        return h;
    }

    /**
     * The longest period, starting at or after {@code fromMicros}, in which {@code vip} was on more than one node
     * (a period that began before {@code fromMicros} counts from there); 0 when it never was.
     */
    static long longestDualMicros(Set<Integer> initial, List<VipEvents.Event> events, String vip, long fromMicros,
            long untilMicros) {
        Set<Integer> h = holdersAt(initial, events, vip, fromMicros);
        long dualSince = h.size() > 1 ? fromMicros : -1;
        long longest = 0;
        for (VipEvents.Event e : events) {
            if (e.atMicros() <= fromMicros || !e.vip().equals(vip)) {
                continue;
            }
            if (e.atMicros() > untilMicros) {
                break;
            }
            if (e.added()) {
                h.add(e.node());
            } else {
                h.remove(e.node());
            }
            if (h.size() > 1 && dualSince < 0) {
                dualSince = e.atMicros();
            } else if (h.size() <= 1 && dualSince >= 0) {
                longest = Math.max(longest, e.atMicros() - dualSince);
                dualSince = -1;
            }
        }
        if (dualSince >= 0) {
            longest = Math.max(longest, untilMicros - dualSince);
        }
        return longest;
    }
}
