package dev.phalanx.cluster.state;

import static dev.phalanx.cluster.state.GridTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real split: three member processes with purge buses; one is frozen with SIGSTOP past the 10 s failure detector
 * while purges are made on the others, then woken with SIGCONT. After Hazelcast merges it back it replays the purges
 * it missed from the purge log (no full clear), and every member ends at the same generation. Whether a purge asked
 * on the woken member before the merge (its side has no majority) reaches the others afterwards is printed, not
 * asserted: it is best effort.
 */
class GridPurgeSplitIT {
    private final List<Member> members = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Member m : members) {
            MemberProcesses.signal(m.process, "CONT");
            m.process.destroyForcibly();
        }
    }

    @Test
    void aMemberFrozenDuringPurgesReplaysThemWhenItIsMergedBack() throws Exception {
        Path dir = Files.createTempDirectory("grid-purge-procs");
        Path secret = GridTestSupport.secretFile(dir, GridTestSupport.SECRET);
        int[] ports = GridTestSupport.freePorts(3);
        for (int i = 0; i < 3; i++) {
            String name = "p" + (i + 1);
            Member m = new Member(name, MemberProcesses.start(GridPurgeMemberMain.class, dir.resolve(name + ".err"),
                    name, Integer.toString(ports[i]), secret.toString(), MemberProcesses.portList(ports)));
            members.add(m);
            await("member " + name + " started", 60_000, () -> m.started);
        }
        Member p1 = members.get(0);
        Member p2 = members.get(1);
        Member p3 = members.get(2);
        await("three members in every process", 60_000, () -> members.stream().allMatch(m -> m.members == 3));

        Map<String, String> r = p1.purge("TAG warm-up 3000");
        assertEquals("p1,p2,p3", r.get("applied"), r.toString());
        // logged at once, or late when the first grid call of the run was slow (a loaded machine)
        await("every member at generation 1", 40_000, () -> members.stream().allMatch(m -> m.generation == 1));

        MemberProcesses.signal(p3.process, "STOP");
        long frozenAt = System.nanoTime();
        r = p1.purge("TAG while-frozen 2000");
        System.out.println("purge during the freeze, before the drop: " + r);
        assertEquals("p3", r.get("missing"), r.toString());
        await("p3 dropped by the others", 30_000, () -> p1.members == 2 && p2.members == 2);
        System.out.printf("FIGURE frozen member dropped %d ms after SIGSTOP%n", (System.nanoTime() - frozenAt) / 1_000_000);
        r = p2.purge("URL http://a.test/after-drop 3000");
        System.out.println("purge after the drop: " + r);
        assertEquals("p1,p2", r.get("applied"), r.toString());
        assertEquals("", r.get("missing"), r.toString());
        assertTrue(r.get("note").contains("the grid shows 2 of the 3 expected members"), r.toString());
        // a purge whose log write timed out (the head's partition owner frozen, or partitions still moving after the
        // drop) went out without a generation and is logged in the background: both end up in the log
        await("both purges logged, p1 and p2 at generation 3", 60_000, () -> p1.generation >= 3
                && p2.generation >= 3);
        long finalHead = p1.generation;
        assertEquals(3, finalHead, "warm-up, while-frozen (logged late or at once), after-drop");
        assertTrue(!p3.applied.contains("TAG while-frozen") && !p3.applied.contains("URL http://a.test/after-drop"));

        MemberProcesses.signal(p3.process, "CONT");
        long wokeAt = System.nanoTime();
        // asked on the woken member before the merge: its side has no majority, so it is not logged there; the
        // member sends it again once the grid is whole
        r = p3.purge("TAG from-woken 2000");
        System.out.println("purge on the woken member before the merge: " + r);
        await("p3 merged back and at generation " + finalHead, 60_000, () -> p3.members == 3
                && p3.generation >= finalHead);
        System.out.printf("FIGURE woken member merged back and caught up %d ms after SIGCONT (replayed %d, full clears"
                + " %d)%n", (System.nanoTime() - wokeAt) / 1_000_000, p3.replayed, p3.clears);
        assertTrue(p3.applied.contains("TAG while-frozen"), p3.applied.toString());
        assertTrue(p3.applied.contains("URL http://a.test/after-drop"), p3.applied.toString());
        assertEquals(0, p3.clears, "replayed, not cleared");
        assertTrue(p3.replayed >= 2, "replayed " + p3.replayed);
        // best effort, not asserted: re-sent after the merge, or logged late by p3's retries (on this loaded machine
        // p3's purge thread was sometimes blocked for about 30 s after waking, and the purge had not arrived 90 s later)
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline
                && !(p1.applied.contains("TAG from-woken") && p2.applied.contains("TAG from-woken"))) {
            Thread.sleep(100);
        }
        boolean arrived = p1.applied.contains("TAG from-woken") && p2.applied.contains("TAG from-woken");
        System.out.printf("FIGURE purge asked on the minority side %s%n", arrived
                ? "reached the others " + (System.nanoTime() - wokeAt) / 1_000_000 + " ms after SIGCONT"
                : "had not reached the others 20 s after p3 caught up");
    }

    /** One member process and what it printed. */
    private static final class Member {
        final String name;
        final Process process;
        final List<String> applied = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> results = new CopyOnWriteArrayList<>();
        volatile boolean started;
        volatile int members;
        volatile long generation;
        volatile long replayed;
        volatile long clears;

        Member(String name, Process process) {
            this.name = name;
            this.process = process;
            MemberProcesses.readLines(name, process, this::onLine);
        }

        Map<String, String> purge(String command) throws IOException {
            int before = results.size();
            OutputStream in = process.getOutputStream();
            in.write(("PURGE " + command + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            await(name + " answers " + command, 40_000, () -> results.size() > before);
            return results.get(before);
        }

        private void onLine(String line) {
            if (line.equals("STARTED")) {
                started = true;
            } else if (line.startsWith("APPLIED ")) {
                applied.add(line.substring("APPLIED ".length()));
            } else if (line.startsWith("STATUS ")) {
                Map<String, String> f = fields(line.substring(7));
                members = Integer.parseInt(f.get("members"));
                generation = Long.parseLong(f.get("generation"));
                replayed = Long.parseLong(f.get("replayed"));
                clears = Long.parseLong(f.get("clears"));
            } else if (line.startsWith("RESULT ")) {
                String body = line.substring(7);
                int note = body.indexOf(" note=");
                Map<String, String> f = fields(body.substring(0, note));
                f.put("note", body.substring(note + 6));
                results.add(f);
            }
        }

        private static Map<String, String> fields(String text) {
            Map<String, String> f = new HashMap<>();
            for (String part : text.split(" ")) {
                int eq = part.indexOf('=');
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
            return f;
        }
    }
}
