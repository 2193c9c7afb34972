package dev.phalanx.cluster.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.state.HealthVerdict.Source;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalHealthBoardTest {
    private final LocalHealthBoard board = new LocalHealthBoard();
    private final String key = HealthBoard.key("api", "127.0.0.1:8080");

    @Test
    void keyIsPoolSlashAddress() {
        assertEquals("api/127.0.0.1:8080", key);
        assertEquals("api/[::1]:80", HealthBoard.key("api", "[::1]:80"));
    }

    @Test
    void activeAndPassiveVerdictsLiveInSeparateSlots() {
        HealthVerdict down = HealthVerdict.active(false, "node-1", "3 consecutive failed probes");
        HealthVerdict ejected = HealthVerdict.passive(false, "node-2", "ejected for 30s");
        board.publish(key, down);
        board.publish(key, ejected);

        assertSame(down, board.read(key));
        assertSame(down, board.read(key, Source.ACTIVE));
        assertSame(ejected, board.read(key, Source.PASSIVE));
        assertNull(board.read("api/other:1"));

        HealthVerdict up = HealthVerdict.active(true, "node-1", "2 consecutive passed probes");
        board.publish(key, up);
        assertSame(up, board.read(key));
        assertSame(ejected, board.read(key, Source.PASSIVE));
        assertEquals(1, board.snapshot(Source.ACTIVE).size());
        assertTrue(board.snapshot(Source.ACTIVE).get(key).healthy());
    }

    @Test
    void removeClearsBothSlotsAndNotifies() {
        List<String> events = new ArrayList<>();
        HealthBoard.Registration registration = board.addListener(
                (k, source, verdict) -> events.add(k + " " + source + " " + (verdict == null ? "removed" : verdict.healthy())));
        board.publish(key, HealthVerdict.active(false, "node-1", "down"));
        board.publish(key, HealthVerdict.passive(false, "node-1", "ejected"));
        board.remove(key);
        board.remove(key); // nothing left: no event

        assertNull(board.read(key, Source.ACTIVE));
        assertNull(board.read(key, Source.PASSIVE));
        assertEquals(List.of(
                "api/127.0.0.1:8080 ACTIVE false",
                "api/127.0.0.1:8080 PASSIVE false",
                "api/127.0.0.1:8080 ACTIVE removed",
                "api/127.0.0.1:8080 PASSIVE removed"), events);

        registration.close();
        board.publish(key, HealthVerdict.active(true, "node-1", "up"));
        assertEquals(4, events.size());
    }

    @Test
    void removeOfOneSlotKeepsTheOther() {
        board.publish(key, HealthVerdict.active(false, "node-1", "down"));
        board.publish(key, HealthVerdict.passive(false, "node-1", "ejected"));
        board.remove(key, Source.PASSIVE);
        assertNull(board.read(key, Source.PASSIVE));
        assertFalse(board.read(key).healthy());
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        List<Boolean> seen = new ArrayList<>();
        board.addListener((k, s, v) -> {
            throw new IllegalStateException("boom");
        });
        board.addListener((k, s, v) -> seen.add(v.healthy()));
        board.publish(key, HealthVerdict.active(true, "node-1", null));
        assertEquals(List.of(true), seen);
        assertEquals("", board.read(key).reason());
    }

    @Test
    void snapshotIsACopy() {
        board.publish(key, HealthVerdict.active(true, "node-1", "up"));
        var snapshot = board.snapshot(Source.ACTIVE);
        board.remove(key);
        assertEquals(1, snapshot.size());
        assertThrows(UnsupportedOperationException.class, () -> snapshot.clear());
        assertFalse(board.snapshot(Source.ACTIVE).containsKey(key));
    }

    @Test
    void verdictRequiresSourceAndNode() {
        assertThrows(NullPointerException.class, () -> new HealthVerdict(true, null, "n", 0, ""));
        assertThrows(NullPointerException.class, () -> new HealthVerdict(true, Source.ACTIVE, null, 0, ""));
        assertTrue(ProbeAssignment.ALL.probesLocally(key));
    }
}
