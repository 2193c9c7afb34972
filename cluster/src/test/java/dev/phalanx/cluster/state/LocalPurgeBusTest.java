package dev.phalanx.cluster.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalPurgeBusTest {

    @Test
    void aPurgeAppliesOnThisNodeOnlyOffTheCallersThreadAndCountsGenerations() throws Exception {
        RecordingPurgeTarget target = new RecordingPurgeTarget();
        try (LocalPurgeBus bus = new LocalPurgeBus("solo")) {
            bus.bind(target);
            PurgeMessage m = new PurgeMessage(PurgeMessage.Kind.PREFIX, "http://a.test/x/");
            PurgeResult r = bus.purge(m, Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS);
            assertEquals(new PurgeResult(1, PurgeResult.LOCAL, List.of(new PurgeResult.Ack("solo", 1)), List.of(),
                    "no grid: this node only"), r);
            assertEquals(List.of(m), target.applied);
            assertEquals(2, bus.purge(m, Duration.ofSeconds(1)).get(5, TimeUnit.SECONDS).generation());
            assertEquals(2, bus.appliedGeneration());
            assertEquals(2, bus.stats().applied());
            assertEquals(2, bus.stats().localOnly());
        }
    }

    @Test
    void beforeTheCacheIsBoundAPurgeFails() {
        try (LocalPurgeBus bus = new LocalPurgeBus("solo")) {
            var f = bus.purge(new PurgeMessage(PurgeMessage.Kind.TAG, "t"), Duration.ofSeconds(1));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertEquals("the node's cache is not ready", e.getCause().getMessage());
        }
    }

    @Test
    void messagesAndLogEntriesSurviveTheirTextForm() {
        for (PurgeMessage m : List.of(new PurgeMessage(PurgeMessage.Kind.URL, "http://h.test/a b?c=d e"),
                new PurgeMessage(PurgeMessage.Kind.TAG, "product 42"),
                new PurgeMessage(PurgeMessage.Kind.PREFIX, "https://h.test/"))) {
            assertEquals(m, PurgeMessage.decode(m.encode()));
            assertEquals(new PurgeLog.Entry("hist-1", m), PurgeLog.Entry.parse("hist-1 " + m.encode()));
        }
        assertEquals(new PurgeLog.Head("h", 42), PurgeLog.Head.parse("h 42"));
        assertThrows(IllegalArgumentException.class, () -> new PurgeMessage(PurgeMessage.Kind.TAG, ""));
        assertThrows(IllegalArgumentException.class, () -> PurgeMessage.decode("URL"));
    }

    @Test
    void theLogsGenerationProcessorStartsAHistoryCountsAndGivesARetryItsFirstGeneration() {
        java.util.Map.Entry<String, String> entry = new java.util.AbstractMap.SimpleEntry<>("head", null);
        assertEquals("hist-9 1", new PurgeLog.Next("hist-9", "a").process(entry));
        assertEquals("hist-9 2", new PurgeLog.Next("other", "b").process(entry));
        assertEquals("hist-9 1", new PurgeLog.Next("other", "a").process(entry), "a retry of purge a");
        assertEquals("hist-9 2 a:1,b:2", entry.getValue());
        assertEquals(new PurgeLog.Head("hist-9", 2), PurgeLog.Head.parse(entry.getValue()));
        for (int i = 0; i < 100; i++) {
            new PurgeLog.Next("x", "id" + i).process(entry);
        }
        assertEquals("hist-9 102", PurgeLog.Head.parse(entry.getValue()).history() + " "
                + PurgeLog.Head.parse(entry.getValue()).generation());
        assertEquals(PurgeLog.Next.RECENT_IDS, entry.getValue().split(" ")[2].split(",").length);
        assertEquals("hist-9 103", new PurgeLog.Next("x", "a").process(entry), "a is forgotten after 64 others");
    }
}
