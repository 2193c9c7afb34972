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
 * {@code java -cp ... dev.phalanx.node.ratelimit.RateLimiterBench [seconds]}.
 */
public final class RateLimiterBench {
    private RateLimiterBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        HttpHeaders headers = new DefaultHttpHeaders().add("x-api-key", "alice");
        InetAddress[] clients = new InetAddress[64];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = InetAddress.getByName("10.0.0." + (i + 1));
        }
        try (QuotaService q = QuotaServices.local(); RateLimiter l = new RateLimiter(q, new Meters())) {
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
}
