package dev.phalanx.chaos.cluster;

import dev.phalanx.chaos.infra.Docker;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a VIP arrived on or left a node: read from the {@code ip -ts monitor address} log each node container keeps,
 * so the times are the kernel's, not those of a poll.
 */
public final class VipEvents {
    private static final Pattern LINE = Pattern.compile(
            "^\\[(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+)]\\s+(Deleted\\s+)?\\d+:\\s+(\\S+)\\s+inet\\s+([0-9.]+)/");

    public record Event(long atMicros, int node, String vip, boolean added) {
    }

    private VipEvents() {
    }

    /** Events of the running nodes since {@code sinceMicros}, oldest first (stopped nodes are skipped). */
    public static List<Event> read(Docker docker, Topology topo, long sinceMicros) {
        List<Event> out = new ArrayList<>();
        Set<String> vips = new HashSet<>(topo.vips());
        for (int i : Topology.nodes()) {
            Docker.State s = docker.state(topo.nodeName(i));
            if (!s.running() || s.paused()) {
                continue;
            }
            String log = docker.exec(topo.nodeName(i), 20, "cat", "/var/log/phalanx/vip-events.log").stdout();
            out.addAll(parse(log, i, vips, sinceMicros));
        }
        out.sort(Comparator.comparingLong(Event::atMicros));
        return out;
    }

    static List<Event> parse(String log, int node, Set<String> vips, long sinceMicros) {
        List<Event> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher m = LINE.matcher(line);
            // the VIPs also sit on lo of every node (never announced there): only the ARP-announced copy counts
            if (m.find() && !"lo".equals(m.group(3)) && vips.contains(m.group(4))) {
                LocalDateTime t = LocalDateTime.parse(m.group(1));
                long micros = t.toEpochSecond(ZoneOffset.UTC) * 1_000_000L + t.getNano() / 1_000;
                if (micros >= sinceMicros) {
                    out.add(new Event(micros, node, m.group(4), m.group(2) == null));
                }
            }
        }
        return out;
    }

    /** VIPs each running node holds now (index 0 unused), from {@code ip -4 -o addr}. */
    public static List<Set<String>> holders(Docker docker, Topology topo) {
        List<Set<String>> out = new ArrayList<>();
        out.add(Set.of());
        for (int i : Topology.nodes()) {
            Set<String> held = new HashSet<>();
            Docker.State s = docker.state(topo.nodeName(i));
            if (s.running() && !s.paused()) {
                String addrs = docker.exec(topo.nodeName(i), 20, "ip", "-4", "-o", "addr", "show").stdout();
                for (String line : addrs.split("\n")) {
                    if (line.matches("^\\d+:\\s+lo\\s.*")) {
                        continue; // every node has the VIPs on lo; the holder has them on its network interface
                    }
                    for (String vip : topo.vips()) {
                        if (line.contains(" " + vip + "/")) {
                            held.add(vip);
                        }
                    }
                }
            }
            out.add(held);
        }
        return out;
    }
}
