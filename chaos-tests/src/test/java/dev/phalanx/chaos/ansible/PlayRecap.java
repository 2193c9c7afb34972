package dev.phalanx.chaos.ansible;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PLAY RECAP of an {@code ansible-playbook} run (the last one in its output): per host its counters
 * {@code ok, changed, unreachable, failed, skipped, rescued, ignored}.
 */
public record PlayRecap(Map<String, Map<String, Integer>> hosts) {
    private static final Pattern HOST_LINE = Pattern.compile("^(\\S+)\\s+:\\s+((?:\\w+=\\d+\\s*)+)$");
    private static final Pattern COUNTER = Pattern.compile("(\\w+)=(\\d+)");

    /** Parses the last PLAY RECAP block of the output; no block gives no hosts. */
    public static PlayRecap parse(String output) {
        int at = output.lastIndexOf("PLAY RECAP");
        Map<String, Map<String, Integer>> hosts = new LinkedHashMap<>();
        if (at < 0) {
            return new PlayRecap(hosts);
        }
        String[] lines = output.substring(at).split("\\R");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                if (hosts.isEmpty()) {
                    continue;
                }
                break;
            }
            Matcher m = HOST_LINE.matcher(line);
            if (!m.matches()) {
                break;
            }
            Map<String, Integer> counters = new LinkedHashMap<>();
            Matcher c = COUNTER.matcher(m.group(2));
            while (c.find()) {
                counters.put(c.group(1), Integer.parseInt(c.group(2)));
            }
            hosts.put(m.group(1), counters);
        }
        return new PlayRecap(hosts);
    }

    /** The sum of one counter over all hosts. */
    public int total(String counter) {
        return hosts.values().stream().mapToInt(m -> m.getOrDefault(counter, 0)).sum();
    }

    public int count(String host, String counter) {
        return hosts.getOrDefault(host, Map.of()).getOrDefault(counter, 0);
    }
}
