package dev.phalanx.cluster.state;

import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A grid member with a purge bus in a process of its own, for {@link GridPurgeSplitIT}:
 * {@code nodeId port secretFile port1,port2,...}. Its cache is a recording target that prints {@code APPLIED KIND
 * value} and {@code CLEARED}. Every 200 ms: {@code STATUS members=N generation=G replayed=R clears=C}. A stdin line
 * {@code PURGE KIND value timeoutMillis} purges and prints {@code RESULT generation=G scope=S applied=a,b missing=c
 * note=...}.
 */
public final class GridPurgeMemberMain {
    private GridPurgeMemberMain() {
    }

    public static void main(String[] args) throws Exception {
        String nodeId = args[0];
        List<HostPort> members = new ArrayList<>();
        for (String p : args[3].split(",")) {
            members.add(new HostPort("127.0.0.1", Integer.parseInt(p)));
        }
        GridState grid = Grid.start(new NodeConfig.GridConfig("purge-procs-" + args[3].split(",")[0],
                new HostPort("127.0.0.1", Integer.parseInt(args[1])), members, Path.of(args[2])), nodeId);
        PurgeBus bus = grid.purgeBus();
        bus.bind(new PurgeBus.Target() {
            @Override
            public int apply(PurgeMessage message) {
                print("APPLIED " + message.encode());
                return 1;
            }

            @Override
            public int clear() {
                print("CLEARED");
                return 0;
            }
        });
        print("STARTED");
        Thread status = new Thread(() -> {
            while (true) {
                try {
                    print("STATUS members=" + grid.membership().members().size() + " generation="
                            + bus.appliedGeneration() + " replayed=" + bus.stats().replayed() + " clears="
                            + bus.stats().fullClears());
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
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split(" ");
            if (f[0].equals("PURGE")) {
                PurgeResult r;
                try {
                    r = bus.purge(new PurgeMessage(PurgeMessage.Kind.valueOf(f[1]), f[2]),
                            Duration.ofMillis(Long.parseLong(f[3]))).get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    print("RESULT generation=-1 scope=none applied= missing= note=no answer in 30 s");
                    continue;
                }
                print("RESULT generation=" + r.generation() + " scope=" + r.scope() + " applied="
                        + String.join(",", r.applied().stream().map(PurgeResult.Ack::node).toList()) + " missing="
                        + String.join(",", r.missing()) + " note=" + r.note());
            }
        }
        grid.close();
    }

    private static synchronized void print(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
