package dev.phalanx.node.ratelimit;

import dev.phalanx.cluster.model.RateLimitSpec;
import dev.phalanx.cluster.state.QuotaService;
import dev.phalanx.cluster.state.QuotaServices;
import dev.phalanx.node.metrics.Meters;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.time.Duration;

/**
 * A microbenchmark, not a test: nanoseconds per {@link RateLimiter#check} on one thread, with a limit high enough
 * that every request is admitted (the common path: spend a held token). Run with the test classpath:
 * {@code java -cp ... dev.phalanx.node.ratelimit.RateLimiterBench [seconds] [local|grid]}; {@code grid} takes its
 * leases off the calling thread as with a grid (from in-memory counters that answer at once), so the checks measured
 * are those that find tokens held, as on a grid node.
 */
public final class RateLimiterBench {
    private RateLimiterBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        boolean grid = args.length > 1 && args[1].equals("grid");
        HttpHeaders headers = new DefaultHttpHeaders().add("x-api-key", "alice");
        InetAddress[] clients = new InetAddress[64];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = InetAddress.getByName("10.0.0." + (i + 1));
        }
        try (QuotaService q = grid ? new AsGrid(QuotaServices.local()) : QuotaServices.local();
             RateLimiter l = new RateLimiter(q, new Meters())) {
            for (String key : new String[] {"route", "client-ip", "header:x-api-key"}) {
                RateLimitSpec spec = new RateLimitSpec(key, 1_000_000_000L, Duration.ofSeconds(1));
                run(l, spec, clients, headers, 2); // warm-up
                run(l, spec, clients, headers, seconds);
            }
        }
    }

    private static void run(RateLimiter l, RateLimitSpec spec, InetAddress[] clients, HttpHeaders headers,
                            int seconds) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long n = 0;
        long admitted = 0;
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1024; i++) {
                admitted += l.check("bench", spec, clients[i & 63], headers).admitted() ? 1 : 0;
            }
            n += 1024;
        }
        double ns = (System.nanoTime() - start) / (double) n;
        System.out.printf("key %-18s %,d checks, %.1f ns per check, %d admitted%n", spec.key(), n, ns, admitted);
    }

    /** In-memory counters presented as a grid: leases are asked for off the caller's thread. */
    private record AsGrid(QuotaService local) implements QuotaService {
        @Override
        public java.util.concurrent.CompletionStage<Integer> lease(String key, long window, long windowMillis,
                                                                   long limit, int wanted) {
            return local.lease(key, window, windowMillis, limit, wanted);
        }

        @Override
        public void giveBack(String key, long window, long windowMillis, int unused) {
            local.giveBack(key, window, windowMillis, unused);
        }

        @Override
        public boolean degraded() {
            return false;
        }

        @Override
        public String kind() {
            return "grid";
        }

        @Override
        public void close() {
            local.close();
        }
    }
}
