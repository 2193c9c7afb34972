package dev.phalanx.cluster.state;

import static dev.phalanx.cluster.state.GridTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.map.IMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** Three real Hazelcast members in this JVM on 127.0.0.1. The last test stops one of them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GridIT {
    private static final Duration ROTATE = Duration.ofSeconds(2);
    private Path dir;
    private final List<GridState> grids = new ArrayList<>();
    private int[] ports;

    @BeforeAll
    void startThree() throws Exception {
        dir = Files.createTempDirectory("grid-it");
        ports = GridTestSupport.freePorts(3);
        Path secret = GridTestSupport.secretFile(dir, GridTestSupport.SECRET);
        for (int i = 0; i < 3; i++) {
            long t = System.nanoTime();
            grids.add(Grid.start(GridTestSupport.config("it-" + ports[0], ports, i, secret), "n" + (i + 1)));
            System.out.printf("figure: member n%d started and joined in %d ms%n", i + 1,
                    (System.nanoTime() - t) / 1_000_000);
        }
        await("three members everywhere", 30_000,
                () -> grids.stream().allMatch(g -> g.membership().members().size() == 3));
    }

    @AfterAll
    void stop() {
        grids.forEach(GridState::close);
    }

    @Test
    @Order(1)
    void membersSeeEachOtherWithNodeIds() {
        for (int i = 0; i < 3; i++) {
            Membership m = grids.get(i).membership();
            assertTrue(m.joined());
            assertEquals(List.of("n1", "n2", "n3"), m.members().stream().map(Membership.Member::nodeId).toList());
            assertEquals("n" + (i + 1), m.members().stream().filter(Membership.Member::self).findFirst()
                    .orElseThrow().nodeId());
            assertEquals("127.0.0.1:" + ports[i], m.self().address());
        }
    }

    @Test
    @Order(2)
    void ticketKeysAreAgreedAndIdenticalPerEpoch() throws Exception {
        List<TicketKeyRing> rings = grids.stream().map(g -> g.ticketKeyRing(ROTATE)).toList();
        List<List<TicketKey>> changes = new CopyOnWriteArrayList<>();
        rings.get(0).onChange(changes::add);
        long firstEpoch = System.currentTimeMillis() / ROTATE.toMillis();
        await("three epochs", 10_000, () -> System.currentTimeMillis() / ROTATE.toMillis() >= firstEpoch + 3);
        await("agreed keys of the current and next epoch on every member", 10_000, () -> rings.stream()
                .allMatch(r -> ((GridTicketKeyRing) r).agreedEpochs().size() >= 2));
        Map<Long, TicketKey> byEpoch = new HashMap<>();
        int compared = 0;
        for (TicketKeyRing ring : rings) {
            assertFalse(ring.keys().isEmpty());
            for (TicketKey k : ring.keys()) {
                TicketKey seen = byEpoch.putIfAbsent(k.epoch(), k);
                if (seen != null) {
                    assertEquals(seen, k, "members disagree on the key of epoch " + k.epoch());
                    compared++;
                }
            }
        }
        assertTrue(compared >= 4, "keys compared: " + compared);
        assertFalse(changes.isEmpty(), "the ring rotated and told its listener");
        // the ring orders current first, then next
        long current = System.currentTimeMillis() / ROTATE.toMillis();
        List<Long> epochs = rings.get(1).epochs();
        assertTrue(epochs.get(0) >= current - 1 && epochs.contains(epochs.get(0) + 1), "epochs " + epochs);
    }

    @Test
    @Order(3)
    void keyMaterialInTheGridIsEncryptedUnderTheSecret() throws Exception {
        TicketKeyRing ring = grids.get(0).ticketKeyRing(ROTATE);
        IMap<Long, byte[]> raw = grids.get(2).hazelcast().getMap(GridConfigs.TICKETS_MAP + ROTATE.toMillis());
        assertFalse(raw.isEmpty());
        int checked = 0;
        for (TicketKey key : ring.keys()) {
            byte[] stored = raw.get(key.epoch());
            if (stored == null) {
                continue;
            }
            checked++;
            for (byte[] part : List.of(key.name(), key.hmacKey(), key.aesKey())) {
                for (int off = 0; off + 4 <= part.length; off += 4) {
                    byte[] slice = java.util.Arrays.copyOfRange(part, off, off + 4);
                    assertFalse(GridTestSupport.contains(stored, slice), "stored value holds key bytes");
                }
            }
            TicketKeyCipher right = new TicketKeyCipher(GridTestSupport.SECRET.getBytes(), "it-" + ports[0],
                    ROTATE.toMillis());
            assertEquals(key, right.open(key.epoch(), stored));
            TicketKeyCipher wrong = new TicketKeyCipher("another-secret-of-enough-length-0123456789".getBytes(),
                    "it-" + ports[0], ROTATE.toMillis());
            assertThrows(GeneralSecurityException.class, () -> wrong.open(key.epoch(), stored));
            assertThrows(GeneralSecurityException.class, () -> right.open(key.epoch() + 7, stored),
                    "a value is bound to its epoch");
        }
        assertTrue(checked >= 2, "stored keys checked: " + checked);
    }

    @Test
    @Order(4)
    void healthVerdictsReplicateAndReadLocally() {
        List<String> heard = new CopyOnWriteArrayList<>();
        HealthBoard.Registration reg = grids.get(2).healthBoard()
                .addListener((key, source, v) -> heard.add(key + "|" + source + "|" + (v == null ? null : v.healthy())));
        grids.get(0).healthBoard().publish("p/10.0.0.1:80", HealthVerdict.active(false, "n1", "test"));
        grids.get(0).healthBoard().publish("p/10.0.0.1:80", HealthVerdict.passive(false, "n1", "ejected"));
        // both verdicts (ACTIVE and PASSIVE) replicate on their own: wait for the second one too, on the member read
        await("verdict replicated", 10_000, () -> grids.get(1).healthBoard().read("p/10.0.0.1:80") != null
                && grids.get(1).healthBoard().read("p/10.0.0.1:80", HealthVerdict.Source.PASSIVE) != null
                && heard.size() >= 2);
        assertFalse(grids.get(1).healthBoard().read("p/10.0.0.1:80").healthy());
        assertEquals("n1", grids.get(1).healthBoard().read("p/10.0.0.1:80", HealthVerdict.Source.PASSIVE).nodeId());
        assertTrue(heard.contains("p/10.0.0.1:80|ACTIVE|false"), heard.toString());
        assertEquals(1, grids.get(2).healthBoard().snapshot(HealthVerdict.Source.ACTIVE).size());
        grids.get(1).healthBoard().remove("p/10.0.0.1:80");
        await("removal replicated", 10_000, () -> grids.get(0).healthBoard().read("p/10.0.0.1:80") == null
                && heard.contains("p/10.0.0.1:80|ACTIVE|null"));
        reg.close();
    }

    @Test
    @Order(5)
    void everyEndpointHasOneProberAndProbesMoveWhenAMemberLeaves() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            keys.add(HealthBoard.key("pool" + (i % 7), "10.1." + i / 250 + "." + i % 250 + ":8080"));
        }
        await("one prober per endpoint", 30_000, () -> proberCounts(keys, grids).values().stream().allMatch(c -> c == 1));
        Map<Integer, Integer> perMember = new HashMap<>();
        for (String key : keys) {
            for (int i = 0; i < 3; i++) {
                if (grids.get(i).probeAssignment().probesLocally(key)) {
                    perMember.merge(i, 1, Integer::sum);
                }
            }
        }
        assertEquals(3, perMember.size(), "every member probes some endpoints: " + perMember);
        GridState leaving = grids.remove(2);
        long t = System.nanoTime();
        leaving.close();
        long left = System.nanoTime();
        await("the survivors take over every endpoint", 30_000,
                () -> proberCounts(keys, grids).values().stream().allMatch(c -> c == 1));
        System.out.printf("figure: graceful leave %d ms, probes reassigned %d ms after it%n",
                (left - t) / 1_000_000, (System.nanoTime() - left) / 1_000_000);
        assertNotNull(grids.get(0).membership().members());
        await("two members", 10_000, () -> grids.get(0).membership().members().size() == 2);
    }

    private static Map<String, Integer> proberCounts(List<String> keys, List<GridState> members) {
        Map<String, Integer> counts = new HashMap<>();
        for (String key : keys) {
            int n = 0;
            for (GridState g : members) {
                n += g.probeAssignment().probesLocally(key) ? 1 : 0;
            }
            counts.put(key, n);
        }
        return counts;
    }

    @Test
    @Order(0)
    void missingOrShortSecretIsAClearStartUpError() throws Exception {
        int[] p = GridTestSupport.freePorts(1);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Grid.start(GridTestSupport.config("x", p, 0, dir.resolve("nope.key")), "x"));
        assertTrue(missing.getMessage().startsWith("grid.secretFile: "), missing.getMessage());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Path shortFile = dir.resolve("short.key");
        Files.writeString(shortFile, "too-short\n");
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> Grid.start(GridTestSupport.config("x", p, 0, shortFile), "x"));
        assertTrue(tooShort.getMessage().contains("holds 9 bytes, needs at least 32"), tooShort.getMessage());
    }
}
