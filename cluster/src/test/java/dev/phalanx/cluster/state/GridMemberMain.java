package dev.phalanx.cluster.state;

import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A grid member in a process of its own, for {@link GridProcessesIT}: {@code nodeId port secretFile rotateMillis
 * port1,port2,...}. Every 200 ms it prints one status line:
 * {@code STATUS members=N probes=K keys=epoch:nameHex,... agreed=epoch,...} where {@code probes} counts how many
 * of 60 fixed endpoint keys it would probe, {@code keys} the ring in order (key names only: names travel in every
 * ticket anyway, secrets never) and {@code agreed} the epochs whose key came from the grid.
 */
public final class GridMemberMain {
    private GridMemberMain() {
    }

    public static void main(String[] args) throws Exception {
        String nodeId = args[0];
        int port = Integer.parseInt(args[1]);
        Path secret = Path.of(args[2]);
        Duration rotate = Duration.ofMillis(Long.parseLong(args[3]));
        List<HostPort> members = new ArrayList<>();
        for (String p : args[4].split(",")) {
            members.add(new HostPort("127.0.0.1", Integer.parseInt(p)));
        }
        long t = System.nanoTime();
        GridState grid = Grid.start(new NodeConfig.GridConfig("procs-" + args[4].split(",")[0],
                new HostPort("127.0.0.1", port), members, secret), nodeId);
        System.out.println("STARTED " + (System.nanoTime() - t) / 1_000_000);
        GridTicketKeyRing ring = (GridTicketKeyRing) grid.ticketKeyRing(rotate);
        List<String> endpoints = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            endpoints.add(HealthBoard.key("pool", "10.9.0." + i + ":80"));
        }
        while (true) {
            int probes = 0;
            for (String e : endpoints) {
                probes += grid.probeAssignment().probesLocally(e) ? 1 : 0;
            }
            Map<Long, String> keys = new TreeMap<>();
            StringBuilder line = new StringBuilder("STATUS members=").append(grid.membership().members().size())
                    .append(" probes=").append(probes).append(" keys=");
            for (TicketKey k : ring.keys()) {
                line.append(k.epoch()).append(':').append(HexFormat.of().formatHex(k.name())).append(',');
            }
            line.append(" agreed=");
            ring.agreedEpochs().forEach(e -> line.append(e).append(','));
            System.out.println(line);
            System.out.flush();
            Thread.sleep(200);
        }
    }
}
