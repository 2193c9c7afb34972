package dev.phalanx.cluster.state;

import static dev.phalanx.cluster.state.GridTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Grid members as separate processes ({@link GridMemberMain}) on 127.0.0.1. A split brain is made by freezing one
 * member with SIGSTOP for longer than the failure detector's 10 s: the other two drop it and go on (they hold the
 * majority, so they keep agreeing on ticket keys; the frozen one can write nothing), then SIGCONT wakes it in a
 * grid of its own that has lost the majority, and Hazelcast's split-brain merge brings it back. SIGSTOP was chosen
 * over network namespaces because it needs no privileges and cuts a member off from both sides at once.
 */
class GridProcessesIT {
    private static final long ROTATE_MS = 2000;
    private final List<Member> members = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Member m : members) {
            signal(m, "CONT");
            m.process.destroyForcibly();
        }
    }

    @Test
    void aSplitBrainHealsWithTicketKeysConsistentAndNeverRolledBack() throws Exception {
        startThree();
        long epochAtStart = System.currentTimeMillis() / ROTATE_MS;
        await("every member agreed keys from the grid (partitions settled)", 60_000, () -> members.stream()
                .allMatch(m -> m.agreedName.containsKey(epochAtStart + 1)));
        Member frozen = members.get(2);
        long stoppedAt = System.nanoTime();
        signal(frozen, "STOP");
        await("the others drop the frozen member", 60_000,
                () -> members.get(0).status.members == 2 && members.get(1).status.members == 2);
        long dropped = System.nanoTime();
        long epochAtDrop = System.currentTimeMillis() / ROTATE_MS;
        await("the majority agreed keys for two new epochs", 60_000,
                () -> members.get(0).agreedName.containsKey(epochAtDrop + 2)
                        && members.get(1).agreedName.containsKey(epochAtDrop + 2));
        signal(frozen, "CONT");
        long resumed = System.nanoTime();
        await("the frozen member is merged back", 90_000,
                () -> members.stream().allMatch(m -> m.status.members == 3));
        long merged = System.nanoTime();
        long epochAtMerge = System.currentTimeMillis() / ROTATE_MS;
        await("every member agreed keys for two epochs after the merge", 60_000, () -> members.stream()
                .allMatch(m -> m.agreedName.containsKey(epochAtMerge + 2)));
        System.out.printf("figure: frozen member dropped %d ms after SIGSTOP; merged back %d ms after SIGCONT%n",
                (dropped - stoppedAt) / 1_000_000, (merged - resumed) / 1_000_000);

        for (Member m : members) {
            assertTrue(m.rollbacks.isEmpty(), m.name + " replaced an agreed key: " + m.rollbacks);
        }
        int compared = 0;
        for (long epoch = epochAtDrop; epoch <= epochAtMerge + 2; epoch++) {
            Set<String> names = new HashSet<>();
            for (Member m : members) {
                String name = m.agreedName.get(epoch);
                if (name != null) {
                    names.add(name);
                    compared++;
                }
            }
            assertTrue(names.size() <= 1, "members agreed different keys for epoch " + epoch + ": " + names);
        }
        assertTrue(compared >= 6, "agreed keys compared: " + compared);
        // after the merge the first (encrypting) key of every member is the same
        await("the same encrypting key everywhere", 30_000, () -> members.stream()
                .map(m -> m.status.firstKey).distinct().count() == 1);
    }

    @Test
    void probesMoveToSurvivorsWhenAMemberIsKilled() throws Exception {
        startThree();
        await("60 endpoints split over three members", 60_000, () -> probeSum(members) == 60
                && members.stream().allMatch(m -> m.status.probes > 0));
        Member victim = members.remove(2);
        long t = System.nanoTime();
        victim.process.destroyForcibly(); // SIGKILL
        await("the survivors probe all 60 endpoints", 60_000, () -> probeSum(members) == 60
                && members.stream().allMatch(m -> m.status.members == 2));
        System.out.printf("figure: after SIGKILL of a member, its probes moved to the survivors in %d ms%n",
                (System.nanoTime() - t) / 1_000_000);
        members.add(victim);
    }

    private static int probeSum(List<Member> list) {
        return list.stream().mapToInt(m -> m.status.probes).sum();
    }

    private void startThree() throws IOException {
        Path dir = Files.createTempDirectory("grid-procs");
        Path secret = GridTestSupport.secretFile(dir, GridTestSupport.SECRET);
        int[] ports = GridTestSupport.freePorts(3);
        String all = MemberProcesses.portList(ports);
        for (int i = 0; i < 3; i++) {
            long t = System.nanoTime();
            String name = "p" + (i + 1);
            Member m = new Member(name, MemberProcesses.start(GridMemberMain.class, dir.resolve(name + ".err"), name,
                    Integer.toString(ports[i]), secret.toString(), Long.toString(ROTATE_MS), all));
            members.add(m);
            await("member p" + (i + 1) + " started", 60_000, () -> m.startedMillis >= 0);
            System.out.printf("figure: member process p%d up (JVM start + grid join) in %d ms (join %d ms)%n", i + 1,
                    (System.nanoTime() - t) / 1_000_000, m.startedMillis);
        }
        await("three members in every process", 60_000, () -> members.stream().allMatch(m -> m.status.members == 3));
    }

    private static void signal(Member m, String signal) {
        MemberProcesses.signal(m.process, signal);
    }

    /** One member process and what its status lines said. */
    private static final class Member {
        final String name;
        final Process process;
        volatile Status status = new Status(0, 0, "", Map.of(), Set.of());
        volatile long startedMillis = -1;
        /** The first agreed key name seen for each epoch. */
        final Map<Long, String> agreedName = new ConcurrentHashMap<>();
        final List<String> rollbacks = new CopyOnWriteArrayList<>();

        Member(String name, Process process) {
            this.name = name;
            this.process = process;
            MemberProcesses.readLines(name, process, this::onLine);
        }

        private void onLine(String line) {
            if (line.startsWith("STARTED ")) {
                startedMillis = Long.parseLong(line.substring(8).trim());
            } else if (line.startsWith("STATUS ")) {
                Status s = Status.parse(line);
                for (long epoch : s.agreed) {
                    String name = s.firstNameOf.get(epoch);
                    String before = agreedName.putIfAbsent(epoch, name);
                    if (before != null && !before.equals(name)) {
                        rollbacks.add("epoch " + epoch + ": " + before + " -> " + name);
                    }
                }
                status = s;
            }
        }
    }

    private record Status(int members, int probes, String firstKey, Map<Long, String> firstNameOf, Set<Long> agreed) {
        static Status parse(String line) {
            Map<String, String> f = new HashMap<>();
            for (String part : line.substring(7).split(" ")) {
                int eq = part.indexOf('=');
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
            Map<Long, String> names = new HashMap<>();
            String first = "";
            for (String k : f.get("keys").split(",")) {
                if (k.isEmpty()) {
                    continue;
                }
                String[] ek = k.split(":");
                if (first.isEmpty()) {
                    first = k;
                }
                names.putIfAbsent(Long.parseLong(ek[0]), ek[1]);
            }
            Set<Long> agreed = new HashSet<>();
            for (String e : f.get("agreed").split(",")) {
                if (!e.isEmpty()) {
                    agreed.add(Long.parseLong(e));
                }
            }
            return new Status(Integer.parseInt(f.get("members")), Integer.parseInt(f.get("probes")), first, names,
                    agreed);
        }
    }
}
