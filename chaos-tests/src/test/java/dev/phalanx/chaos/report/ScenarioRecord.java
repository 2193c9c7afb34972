package dev.phalanx.chaos.report;

import dev.phalanx.chaos.load.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one scenario recorded: figures, goals (thresholds kept out of assertions), notes, events, raw samples. */
public final class ScenarioRecord {
    public static final List<String> SAMPLE_FIELDS = List.of("t_ms", "latency_ms", "target", "status", "error", "conn");

    private final String name;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final Map<String, Object> goals = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final List<Map<String, Object>> events = new ArrayList<>();
    private final Map<String, Object> raw = new LinkedHashMap<>();
    private boolean passed;
    private String failure;
    private long durationMs;

    public ScenarioRecord(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public long startedAtMillis() {
        return startedAtMillis;
    }

    public ScenarioRecord figure(String key, Object value) {
        figures.put(key, value);
        return this;
    }

    public Object figureValue(String key) {
        return figures.get(key);
    }

    /** A goal from the issue, met or not; written to the report, never asserted. */
    public ScenarioRecord goal(String figure, String goal, boolean met) {
        goals.put(figure, Map.of("goal", goal, "met", met));
        return this;
    }

    public ScenarioRecord note(String note) {
        notes.add(note);
        return this;
    }

    /** An event on the scenario's time line (epoch milliseconds). */
    public ScenarioRecord event(long atMillis, String what) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("t_ms", atMillis - startedAtMillis);
        e.put("at", java.time.Instant.ofEpochMilli(atMillis).toString());
        e.put("what", what);
        events.add(e);
        return this;
    }

    public ScenarioRecord raw(String key, Object value) {
        raw.put(key, value);
        return this;
    }

    public ScenarioRecord samples(String key, List<Sample> samples) {
        long origin = startedAtMillis * 1000;
        List<Object[]> rows = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            rows.add(s.row(origin));
        }
        raw.put(key, Map.of("fields", SAMPLE_FIELDS, "rows", rows));
        return this;
    }

    void finish(boolean ok, Throwable t) {
        this.passed = ok;
        this.failure = t == null ? null : t.toString();
        this.durationMs = System.currentTimeMillis() - startedAtMillis;
    }

    public boolean passed() {
        return passed;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("passed", passed);
        m.put("duration_ms", durationMs);
        m.put("figures", figures);
        m.put("goals", goals);
        m.put("notes", String.join(" ", notes));
        if (failure != null) {
            m.put("failure", failure);
        }
        m.put("events", events);
        m.put("raw", raw);
        return m;
    }

    Map<String, Object> figures() {
        return figures;
    }

    Map<String, Object> goals() {
        return goals;
    }

    List<String> notes() {
        return notes;
    }

    String failure() {
        return failure;
    }

    long durationMs() {
        return durationMs;
    }
}
