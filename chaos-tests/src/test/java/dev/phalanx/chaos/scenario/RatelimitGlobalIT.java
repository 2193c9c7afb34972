package dev.phalanx.chaos.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.chaos.cluster.BaselineConfig;
import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.load.Clock;
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
            long measuredFrom;
            try (RateWindows.DegradedSampler degraded = new RateWindows.DegradedSampler(c, windowMicros)) {
                LoadGenerator load = Scenarios.vipLoad(c, "/limited/global").start();
                // A node that was frozen or cut off by an earlier scenario distrusts the grid for a while, which it
                // only shows once limited traffic arrives: measure from the first window in which none is degraded.
                long warmupStart = Clock.micros();
                long deadline = System.nanoTime() + 40_000_000_000L;
                long now = Clock.micros() / windowMicros;
                while (System.nanoTime() < deadline && (now - warmupStart / windowMicros < 2
                        || degraded.byWindow().getOrDefault(now - 1, 1) > 0 || degraded.byWindow().getOrDefault(now, 1) > 0)) {
                    Thread.sleep(250);
                    now = Clock.micros() / windowMicros;
                }
                measuredFrom = now * windowMicros;
                r.figure("warmup_ms", (Clock.micros() - warmupStart) / 1000);
                r.event(measuredFrom / 1000, "measured windows start (no node degraded)");
                Scenarios.sleep(BaselineConfig.WINDOW_SECONDS * 10_000L + 500);
                samples = load.stop();
                windows = RateWindows.count(samples, windowMicros, BaselineConfig.LIMIT, degraded.byWindow()).stream()
                        .filter(w -> w.index() * windowMicros >= measuredFrom).toList();
            }
            List<RateWindows.Window> over = windows.stream().filter(w -> w.certain() > w.bound()).toList();
            r.figure("limit", BaselineConfig.LIMIT);
            r.figure("window_s", BaselineConfig.WINDOW_SECONDS);
            r.figure("admitted", samples.stream().filter(s -> s.answered() && s.status() == 200).count());
            r.figure("refused_429", samples.stream().filter(s -> s.answered() && s.status() == 429).count());
            r.figure("admitted_in_measured_windows", windows.stream().mapToInt(RateWindows.Window::certain).sum());
            r.figure("windows", windows.size());
            r.figure("max_window_admitted", windows.stream().mapToInt(RateWindows.Window::certain).max().orElse(0));
            r.figure("max_window_admitted_possible", windows.stream().mapToInt(RateWindows.Window::possible).max().orElse(0));
            r.figure("windows_at_limit", windows.stream().filter(w -> w.certain() >= BaselineConfig.LIMIT).count());
            r.figure("windows_degraded", windows.stream().filter(w -> w.degraded() > 0).count());
            Scenarios.loadFigures(r, samples, RatelimitGlobalIT::limitedOk);
            r.goal("max_window_admitted", "<= limit", windows.stream().allMatch(w -> w.certain() <= BaselineConfig.LIMIT));
            r.raw("windows", RateWindows.rows(windows));
            r.samples("samples", samples);
            r.note("Per window, admitted counts 200s whose whole exchange lay in the window (certain); possible also"
                    + " counts those that crossed a window edge in both windows. Windows are counted from the first one"
                    + " in which no node reports phalanx_ratelimit_degraded (warmup_ms); a window in which a node still"
                    + " degrades (grid call over 1 s on a loaded machine) is held to limit + floor(limit / 3) per"
                    + " degraded node, the bound the README states, and counted in windows_degraded.");
            assertEquals(List.of(), over, "windows admitted more than the limit");
            assertEquals(0L, samples.stream().filter(s -> !limitedOk(s)).count(), "requests failed (neither 200 nor 429)");
        });
    }
}
