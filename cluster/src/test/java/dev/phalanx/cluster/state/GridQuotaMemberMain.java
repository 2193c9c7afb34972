package dev.phalanx.cluster.state;

import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A grid member in a process of its own that leases one rate-limit key without pause, for {@link GridQuotaSplitIT}:
 * {@code nodeId port secretFile limit windowMillis port1,port2,...}. One thread leases 10 tokens every 5 ms from a
 * grid {@link QuotaService} (expected members: 3; the
 * production call timeout of 1 s) and tallies what each lease granted by window, by where it came from ({@code grid} when
 * {@link QuotaService#degraded()} was false after the lease, else {@code fallback}) and by phase:
 * <ul>
 *   <li>{@code normal}: before any freeze;</li>
 *   <li>{@code stale}: after the loop saw a gap of more than 5 s (the process was frozen) and before this member saw
 *       fewer than 3 members: it still believes in its old member list and partition table;</li>
 *   <li>{@code alone}: after it saw fewer than 3 members, until it sees 3 again;</li>
 *   <li>{@code merged}: after it saw 3 members again.</li>
 * </ul>
 * When a window is over it prints {@code WINDOW w=N phase=P grid=G fallback=F degraded=0|1} per phase seen in the
 * window ({@code degraded=1}: some lease of that phase ended degraded). Every 200 ms: {@code STATUS members=N}.
 * The gap of a freeze is printed as {@code WOKE gap=MS}.
 */
public final class GridQuotaMemberMain {
    private static final String KEY = "split-key";
    private static final int WANTED = 10;
    private static final long FROZEN_GAP_MILLIS = 5000;

    private GridQuotaMemberMain() {
    }

    private static final class Tally {
        long grid;
        long fallback;
        boolean degraded;
    }

    public static void main(String[] args) throws Exception {
        String nodeId = args[0];
        int port = Integer.parseInt(args[1]);
        Path secret = Path.of(args[2]);
        long limit = Long.parseLong(args[3]);
        long windowMillis = Long.parseLong(args[4]);
        List<HostPort> members = new ArrayList<>();
        for (String p : args[5].split(",")) {
            members.add(new HostPort("127.0.0.1", Integer.parseInt(p)));
        }
        long t = System.nanoTime();
        GridState grid = Grid.start(new NodeConfig.GridConfig("quota-procs-" + args[5].split(",")[0],
                new HostPort("127.0.0.1", port), members, secret), nodeId);
        System.out.println("STARTED " + (System.nanoTime() - t) / 1_000_000);
        System.out.flush();
        Thread status = new Thread(() -> {
            while (true) {
                try {
                    System.out.println("STATUS members=" + grid.membership().members().size());
                    System.out.flush();
                } catch (RuntimeException e) {
                    // merging: the member list is being rebuilt
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "status");
        status.setDaemon(true);
        status.start();

        QuotaService quota = QuotaServices.grid(grid.hazelcast(), 3, QuotaServices.DEFAULT_CALL_TIMEOUT);
        TreeMap<Long, Map<String, Tally>> tallies = new TreeMap<>();
        boolean woke = false;
        boolean sawFewer = false;
        long previous = System.currentTimeMillis();
        while (true) {
            long now = System.currentTimeMillis();
            if (now - previous > FROZEN_GAP_MILLIS && !woke) {
                woke = true;
                System.out.println("WOKE gap=" + (now - previous));
            }
            previous = now;
            long window = now / windowMillis;
            int size = grid.hazelcast().getCluster().getMembers().size();
            sawFewer |= woke && size < 3;
            String phase = !woke ? "normal" : !sawFewer ? "stale" : size < 3 ? "alone" : "merged";
            int granted = quota.lease(KEY, window, windowMillis, limit, WANTED).toCompletableFuture().join();
            boolean degraded = quota.degraded(); // one leasing thread: the state this very lease left
            Tally tally = tallies.computeIfAbsent(window, w -> new TreeMap<>())
                    .computeIfAbsent(phase, p -> new Tally());
            if (degraded) {
                tally.fallback += granted;
                tally.degraded = true;
            } else {
                tally.grid += granted;
            }
            long current = System.currentTimeMillis() / windowMillis;
            while (!tallies.isEmpty() && tallies.firstKey() < current) {
                Map.Entry<Long, Map<String, Tally>> done = tallies.pollFirstEntry();
                for (Map.Entry<String, Tally> e : done.getValue().entrySet()) {
                    System.out.println("WINDOW w=" + done.getKey() + " phase=" + e.getKey() + " grid="
                            + e.getValue().grid + " fallback=" + e.getValue().fallback + " degraded="
                            + (e.getValue().degraded ? 1 : 0));
                }
            }
            System.out.flush();
            Thread.sleep(5);
        }
    }
}
