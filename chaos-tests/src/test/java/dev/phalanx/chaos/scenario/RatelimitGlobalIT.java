package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.chaos.cluster.BaselineConfig;
import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.load.LoadGenerator;
import dev.phalanx.chaos.load.Sample;
import dev.phalanx.chaos.report.ChaosReport;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ratelimit-global: the route /limited/ (60 requests per 2 s window for the whole cluster) hammered through all
 * three VIPs at several times the limit: no window may admit more than the limit (more only while a node reports
 * itself degraded, by its fallback share, as the README states).
 */
@ExtendWith(ChaosClusterExtension.class)
class RatelimitGlobalIT {
    static boolean limitedOk(Sample s) {
        return s.answered() && (s.status() == 200 || s.status() == 429);
    }

    @Test
    void ratelimitGlobal(ChaosCluster c) throws Exception {
        ChaosReport.get().run("ratelimit-global", r -> {
            c.reset();
            long windowMicros = BaselineConfig.WINDOW_SECONDS * 1_000_000L;
            List<Sample> samples;
            List<RateWindows.Window> windows;
            try (RateWindows.DegradedSampler degraded = new RateWindows.DegradedSampler(c, windowMicros)) {
                LoadGenerator load = Scenarios.vipLoad(c, "/limited/global").start();
                Scenarios.sleep(BaselineConfig.WINDOW_SECONDS * 10_000L + 500);
                samples = load.stop();
                windows = RateWindows.count(samples, windowMicros, BaselineConfig.LIMIT, degraded.byWindow());
            }
            List<RateWindows.Window> over = windows.stream().filter(w -> w.certain() > w.bound()).toList();
            r.figure("limit", BaselineConfig.LIMIT);
            r.figure("window_s", BaselineConfig.WINDOW_SECONDS);
            r.figure("admitted", samples.stream().filter(s -> s.answered() && s.status() == 200).count());
            r.figure("refused_429", samples.stream().filter(s -> s.answered() && s.status() == 429).count());
            r.figure("windows", windows.size());
            r.figure("max_window_admitted", windows.stream().mapToInt(RateWindows.Window::certain).max().orElse(0));
            r.figure("max_window_admitted_possible", windows.stream().mapToInt(RateWindows.Window::possible).max().orElse(0));
            r.figure("windows_at_limit", windows.stream().filter(w -> w.certain() >= BaselineConfig.LIMIT).count());
            r.figure("windows_degraded", windows.stream().filter(w -> w.degraded() > 0).count());
            Scenarios.loadFigures(r, samples, RatelimitGlobalIT::limitedOk);
            r.goal("max_window_admitted", "<= limit", over.isEmpty());
            r.raw("windows", RateWindows.rows(windows));
            r.samples("samples", samples);
            r.note("Per window, admitted counts 200s whose whole exchange lay in the window (certain); possible also"
                    + " counts those that crossed a window edge in both windows.");
            assertEquals(List.of(), over, "windows admitted more than the limit");
            assertEquals(0L, samples.stream().filter(s -> !limitedOk(s)).count(), "requests failed (neither 200 nor 429)");
        });
    }
}
