package dev.phalanx.chaos.report;

import java.util.List;
import java.util.Map;

/** The human-readable twin of chaos-report.json: one table of scenarios, then each scenario's figures and goals. */
final class ReportMarkdown {
    private ReportMarkdown() {
    }

    static String render(String commit, Map<String, Object> suite, List<ScenarioRecord> scenarios) {
        StringBuilder sb = new StringBuilder("# Chaos report\n\n");
        sb.append("Commit `").append(commit).append("`. Suite: ").append(suite).append("\n\n");
        sb.append("| scenario | passed | duration s | goals met | key figures |\n|---|---|---:|---|---|\n");
        for (ScenarioRecord s : scenarios) {
            long met = s.goals().values().stream().filter(g -> Boolean.TRUE.equals(((Map<?, ?>) g).get("met"))).count();
            sb.append("| ").append(s.name()).append(" | ").append(s.passed() ? "yes" : "**NO**").append(" | ")
                    .append(s.durationMs() / 1000).append(" | ").append(met).append('/').append(s.goals().size())
                    .append(" | ").append(keyFigures(s.figures())).append(" |\n");
        }
        for (ScenarioRecord s : scenarios) {
            sb.append("\n## ").append(s.name()).append(s.passed() ? "" : " (FAILED)").append("\n\n");
            if (s.failure() != null) {
                sb.append("Failure: `").append(s.failure().replace('\n', ' ').replace('`', '\'')).append("`\n\n");
            }
            s.figures().forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
            s.goals().forEach((k, v) -> {
                Map<?, ?> g = (Map<?, ?>) v;
                sb.append("- goal ").append(k).append(' ').append(g.get("goal")).append(": ")
                        .append(Boolean.TRUE.equals(g.get("met")) ? "met" : "NOT met").append('\n');
            });
            if (!s.notes().isEmpty()) {
                sb.append('\n').append(String.join(" ", s.notes())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String keyFigures(Map<String, Object> f) {
        StringBuilder sb = new StringBuilder();
        for (String k : List.of("vip_move_ms", "requests", "failed", "failed_after_move", "p50_ms", "p99_ms", "resumed",
                "admitted", "limit", "max_dual_holding_ms", "ejected_ms")) {
            if (f.containsKey(k)) {
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(f.get(k));
            }
        }
        return sb.toString();
    }
}
