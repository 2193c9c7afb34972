package dev.phalanx.cluster.state;

import static dev.phalanx.cluster.state.GridTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rate limits across a split brain, with three grid members as separate processes ({@link GridQuotaMemberMain}),
 * each leasing one key without pause (limit 300 per 1 s window, 3 expected members, so a fallback share of 100).
 * The split is made as in {@link GridProcessesIT}: one member is frozen with SIGSTOP past the 10 s failure detector,
 * the other two drop it and go on with the majority, then SIGCONT wakes it with its old member list and partition
 * table, and Hazelcast's split-brain merge brings it back. Every window's grants of every member are checked
 * against the bound the README states: {@code limit + (members degraded in the window) x floor(limit / 3)}.
 */
class GridQuotaSplitIT {
    private static final long LIMIT = 300;
    private static final long SHARE = LIMIT / 3;
    private static final long WINDOW_MS = 1000;
    private static final int CLEAN_RUN = 3;
    private final List<Member> members = new ArrayList<>();

    @AfterEach
    void stop() {
        for (Member m : members) {
            signal(m, "CONT");
            m.process.destroyForcibly();
        }
    }

    @Test
    void aSplitBrainKeepsRateLimitsBoundedAndTheMergedGridBackToTheLimit() throws Exception {
        startThree();
        await("a window in which all three members leased from the grid", 60_000, () -> {
            for (long w : reportedByAll()) {
                if (members.stream().allMatch(m -> m.grid(w) > 0 && !m.degraded(w))) {
                    return true;
                }
            }
            return false;
        });
        Member frozen = members.get(2);
        List<Member> majority = members.subList(0, 2);
        long stoppedAt = System.currentTimeMillis();
        signal(frozen, "STOP");
        await("the others drop the frozen member", 60_000,
                () -> majority.stream().allMatch(m -> m.status == 2));
        long droppedAt = System.currentTimeMillis();
        long firstSplitWindow = droppedAt / WINDOW_MS + 1;
        await("the majority reported two whole windows of the split", 60_000,
                () -> majority.stream().allMatch(m -> m.lastWindow >= firstSplitWindow + 1));
        signal(frozen, "CONT");
        long continuedAt = System.currentTimeMillis();
        await("the frozen member woke, saw it was alone and is merged back", 90_000,
                () -> frozen.phasesSeen.contains("merged") && members.stream().allMatch(m -> m.status == 3));
        long mergedAt = System.currentTimeMillis();
        // the woken member leaves its fallback share with its first grid lease after the merge (at most 1 s + a call);
        // a lease that times out on a loaded machine also degrades a member for a window: wait for three in a row
        await("three windows in a row after the merge with no member degraded", 60_000,
                () -> cleanRunAfter(mergedAt / WINDOW_MS) > 0);
        long firstClean = cleanRunAfter(mergedAt / WINDOW_MS);
        System.out.printf("figure: SIGSTOP at window %d, majority dropped the frozen member %d ms later; frozen for"
                + " %d ms (gap seen by the member: %d ms); merged %d ms after SIGCONT%n", stoppedAt / WINDOW_MS,
                droppedAt - stoppedAt, continuedAt - stoppedAt, frozen.wokeGap, mergedAt - continuedAt);
        printWindows(stoppedAt / WINDOW_MS - 2, firstClean + CLEAN_RUN - 1);

        // 1. every window, before, during and after the split: the bound
        TreeSet<Long> all = new TreeSet<>();
        members.forEach(m -> all.addAll(m.windows.keySet()));
        for (long w : all) {
            long grid = members.stream().mapToLong(m -> m.grid(w)).sum();
            long total = members.stream().mapToLong(m -> m.total(w)).sum();
            long degraded = members.stream().filter(m -> m.degraded(w)).count();
            assertTrue(grid <= LIMIT, "window " + w + ": " + grid + " granted from the grid, limit " + LIMIT);
            for (Member m : members) {
                assertTrue(m.fallback(w) <= SHARE, m.name + " window " + w + ": fallback grants " + m.fallback(w)
                        + " over the share " + SHARE);
            }
            assertTrue(total <= LIMIT + degraded * SHARE, "window " + w + ": " + total + " granted with " + degraded
                    + " degraded members, bound " + (LIMIT + degraded * SHARE));
        }
        // 2. the majority is not blocked by the split: it grants in every whole window of it, from the grid
        long majorityGrid = 0;
        int splitWindows = 0;
        for (long w = firstSplitWindow; (w + 1) * WINDOW_MS <= continuedAt; w++) {
            long ww = w;
            splitWindows++;
            assertTrue(majority.stream().mapToLong(m -> m.total(ww)).sum() > 0,
                    "the majority granted nothing in window " + w + " of the split");
            majorityGrid += majority.stream().mapToLong(m -> m.grid(ww)).sum();
        }
        assertTrue(splitWindows >= 2, "whole windows of the split: " + splitWindows);
        assertTrue(majorityGrid > 0, "the majority leased nothing from the grid during the split");
        // 3. the woken member never leases from the grid before it is merged (its stale view has no majority)
        long wokenFallback = 0;
        for (Map<String, Tally> phases : frozen.windows.values()) {
            for (String phase : List.of("stale", "alone")) {
                Tally t = phases.get(phase);
                if (t != null) {
                    assertEquals(0, t.grid, "the woken member granted from the grid in phase " + phase);
                    wokenFallback += t.fallback;
                }
            }
        }
        assertTrue(wokenFallback > 0, "the woken member granted its fallback share before the merge");
        // 4. after the merge: windows with no member degraded, never above the limit, the woken member on the grid
        long wokenGrid = 0;
        for (long w = firstClean; w < firstClean + CLEAN_RUN; w++) {
            long ww = w;
            assertTrue(members.stream().mapToLong(m -> m.total(ww)).sum() <= LIMIT, "window " + w + " over the limit");
            wokenGrid += frozen.grid(w);
        }
        assertTrue(wokenGrid > 0, "the woken member leased nothing from the grid after the merge");
        System.out.printf("figure: %d whole windows of the split, majority granted %d from the grid in them; the woken"
                + " member granted %d from its share before the merge, %d from the grid in the %d windows after%n",
                splitWindows, majorityGrid, wokenFallback, wokenGrid, CLEAN_RUN);
    }

    /** Windows every member has reported (they are over everywhere). */
    private TreeSet<Long> reportedByAll() {
        TreeSet<Long> common = new TreeSet<>(members.get(0).windows.keySet());
        members.forEach(m -> common.retainAll(m.windows.keySet()));
        return common;
    }

    /**
     * The first of {@value #CLEAN_RUN} consecutive windows after {@code window} that every member reported, none of
     * them degraded in any; 0 if there is no such run yet.
     */
    private long cleanRunAfter(long window) {
        TreeSet<Long> reported = reportedByAll();
        for (long w : reported.tailSet(window, false)) {
            boolean clean = true;
            for (long x = w; x < w + CLEAN_RUN && clean; x++) {
                long xx = x;
                clean = reported.contains(x) && members.stream().noneMatch(m -> m.degraded(xx));
            }
            if (clean) {
                return w;
            }
        }
        return 0;
    }

    private void printWindows(long from, long to) {
        System.out.println("figure: grants per 1 s window, limit " + LIMIT + ", share " + SHARE
                + " (member: phase grid+fallback, * = degraded)");
        for (long w = from; w <= to; w++) {
            long ww = w;
            StringBuilder line = new StringBuilder("figure:   window ").append(w).append(':');
            for (Member m : members) {
                line.append("  ").append(m.name).append(' ').append(m.describe(w));
            }
            long degraded = members.stream().filter(m -> m.degraded(ww)).count();
            line.append("  total ").append(members.stream().mapToLong(m -> m.total(ww)).sum())
                    .append(" (bound ").append(LIMIT + degraded * SHARE).append(')');
            System.out.println(line);
        }
    }

    private void startThree() throws IOException {
        Path dir = Files.createTempDirectory("grid-quota-procs");
        Path secret = GridTestSupport.secretFile(dir, GridTestSupport.SECRET);
        int[] ports = GridTestSupport.freePorts(3);
        String all = MemberProcesses.portList(ports);
        for (int i = 0; i < 3; i++) {
            String name = "p" + (i + 1);
            Member m = new Member(name, MemberProcesses.start(GridQuotaMemberMain.class, dir.resolve(name + ".err"),
                    name, Integer.toString(ports[i]), secret.toString(), Long.toString(LIMIT),
                    Long.toString(WINDOW_MS), all));
            members.add(m);
            await("member " + name + " started", 60_000, () -> m.started);
        }
        await("three members in every process", 60_000, () -> members.stream().allMatch(m -> m.status == 3));
    }

    private static void signal(Member m, String signal) {
        MemberProcesses.signal(m.process, signal);
    }

    private record Tally(long grid, long fallback, boolean degraded) {
    }

    /** One member process and the windows it reported. */
    private static final class Member {
        final String name;
        final Process process;
        final Map<Long, Map<String, Tally>> windows = new ConcurrentHashMap<>();
        final java.util.Set<String> phasesSeen = ConcurrentHashMap.newKeySet();
        volatile int status;
        volatile boolean started;
        volatile long lastWindow = -1;
        volatile long wokeGap = -1;

        Member(String name, Process process) {
            this.name = name;
            this.process = process;
            MemberProcesses.readLines(name, process, this::onLine);
        }

        long grid(long w) {
            return windows.getOrDefault(w, Map.of()).values().stream().mapToLong(Tally::grid).sum();
        }

        long fallback(long w) {
            return windows.getOrDefault(w, Map.of()).values().stream().mapToLong(Tally::fallback).sum();
        }

        long total(long w) {
            return grid(w) + fallback(w);
        }

        boolean degraded(long w) {
            return windows.getOrDefault(w, Map.of()).values().stream().anyMatch(Tally::degraded);
        }

        String describe(long w) {
            Map<String, Tally> phases = windows.get(w);
            if (phases == null) {
                return "-";
            }
            StringBuilder s = new StringBuilder();
            phases.forEach((phase, t) -> s.append(s.length() == 0 ? "" : "/").append(phase).append(' ')
                    .append(t.grid).append('+').append(t.fallback).append(t.degraded ? "*" : ""));
            return s.toString();
        }

        private void onLine(String line) {
            if (line.startsWith("STARTED ")) {
                started = true;
            } else if (line.startsWith("STATUS ")) {
                status = Integer.parseInt(fields(line).get("members"));
            } else if (line.startsWith("WOKE ")) {
                wokeGap = Long.parseLong(fields(line).get("gap"));
            } else if (line.startsWith("WINDOW ")) {
                Map<String, String> f = fields(line);
                long w = Long.parseLong(f.get("w"));
                windows.computeIfAbsent(w, k -> new ConcurrentHashMap<>()).put(f.get("phase"),
                        new Tally(Long.parseLong(f.get("grid")), Long.parseLong(f.get("fallback")),
                                "1".equals(f.get("degraded"))));
                phasesSeen.add(f.get("phase"));
                lastWindow = Math.max(lastWindow, w);
            }
        }

        private static Map<String, String> fields(String line) {
            Map<String, String> f = new HashMap<>();
            for (String part : line.substring(line.indexOf(' ') + 1).split(" ")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    f.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
            return f;
        }
    }
}
