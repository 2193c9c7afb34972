package dev.phalanx.cluster.config;

import static org.junit.jupiter.api.Assertions.fail;

import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import dev.phalanx.cluster.model.RouteSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** An {@link EtcdConfigSource} with short test timings and a record of every snapshot it delivered. */
final class EtcdSourceProbe implements AutoCloseable {
    static final EtcdConfigSource.Timings FAST = new EtcdConfigSource.Timings(Duration.ofMillis(200),
            Duration.ofMillis(1500), Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(5),
            Duration.ofSeconds(5), Duration.ofSeconds(3));

    final EtcdConfigSource source;
    final List<ConfigSnapshot> delivered = new CopyOnWriteArrayList<>();

    EtcdSourceProbe(List<String> endpoints, Path stateDir) {
        this(new EtcdConfig(endpoints, "/phalanx", null, null, null, null, null), stateDir);
    }

    EtcdSourceProbe(EtcdConfig config, Path stateDir) {
        source = new EtcdConfigSource(config, "node-1", "test", stateDir == null ? null : new SnapshotStore(stateDir),
                FAST);
    }

    EtcdSourceProbe start() {
        source.start(delivered::add);
        return this;
    }

    ConfigSnapshot last() {
        return delivered.isEmpty() ? null : delivered.get(delivered.size() - 1);
    }

    ConfigSnapshot await(String what, Predicate<ConfigSnapshot> condition) {
        return await(what, condition, Duration.ofSeconds(20));
    }

    ConfigSnapshot await(String what, Predicate<ConfigSnapshot> condition, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            ConfigSnapshot s = last();
            if (s != null && condition.test(s)) {
                return s;
            }
            sleep(20);
        }
        fail("timed out waiting for " + what + "; in force: " + source.current() + ", in sync: "
                + source.inSync() + " (" + source.problem() + ")");
        return null;
    }

    void awaitInSync(boolean expected) {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end && source.inSync() != expected) {
            sleep(20);
        }
        if (source.inSync() != expected) {
            fail("in sync stayed " + source.inSync() + " (" + source.problem() + ")");
        }
    }

    static List<String> routeIds(ConfigSnapshot s) {
        return s.routes().stream().map(RouteSpec::id).toList();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        source.close();
    }
}
