package dev.phalanx.chaos.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * chaos-tests/target/chaos-report.json and .md, rewritten after every scenario so a run that stops half-way still
 * leaves what it measured. A failing scenario writes its entry too.
 */
public final class ChaosReport {
    private static ChaosReport instance;
    private final Path dir;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Map<String, Object> suite = new LinkedHashMap<>();
    private final List<ScenarioRecord> scenarios = new ArrayList<>();

    private ChaosReport(Path dir) {
        this.dir = dir;
    }

    public static synchronized ChaosReport get() {
        if (instance == null) {
            instance = new ChaosReport(Path.of(System.getProperty("chaos.reportDir", "target")));
        }
        return instance;
    }

    public synchronized void suiteFigure(String key, Object value) {
        suite.put(key, value);
    }

    /** Runs a scenario body, records passed or failed, writes the report, and rethrows a failure. */
    public void run(String name, ScenarioBody body) throws Exception {
        ScenarioRecord r = new ScenarioRecord(name);
        try {
            body.run(r);
            r.finish(true, null);
        } catch (Throwable t) {
            r.finish(false, t);
            throw t;
        } finally {
            add(r);
        }
    }

    @FunctionalInterface
    public interface ScenarioBody {
        void run(ScenarioRecord r) throws Exception;
    }

    synchronized void add(ScenarioRecord r) {
        scenarios.removeIf(s -> s.name().equals(r.name()));
        scenarios.add(r);
        suite.put("wall_ms", System.currentTimeMillis() - startedAtMillis);
        write();
    }

    private void write() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("commit", commit());
        m.put("generatedAt", Instant.now().toString());
        m.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "os", System.getProperty("os.name") + " " + System.getProperty("os.version")));
        m.put("suite", suite);
        List<Map<String, Object>> list = new ArrayList<>();
        scenarios.forEach(s -> list.add(s.toMap()));
        m.put("scenarios", list);
        try {
            Files.createDirectories(dir);
            new ObjectMapper().writeValue(dir.resolve("chaos-report.json").toFile(), m);
            Files.writeString(dir.resolve("chaos-report.md"), ReportMarkdown.render(m.get("commit").toString(), suite,
                    scenarios));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chaos report to " + dir, e);
        }
    }

    private static String commit() {
        Path project = Path.of(System.getProperty("chaos.projectDir", ".."));
        try {
            Process p = new ProcessBuilder("git", "-C", project.toString(), "describe", "--always", "--dirty",
                    "--abbrev=40").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "unknown (" + out + ")";
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
