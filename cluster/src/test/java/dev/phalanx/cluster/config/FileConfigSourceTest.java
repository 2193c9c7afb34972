package dev.phalanx.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.RouteSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileConfigSourceTest {

    @TempDir
    Path dir;

    private final List<FileConfigSource> sources = new ArrayList<>();
    private final BlockingQueue<ConfigSnapshot> delivered = new LinkedBlockingQueue<>();
    private final List<String> threads = new ArrayList<>();

    @AfterEach
    void closeSources() {
        sources.forEach(FileConfigSource::close);
    }

    static String routes(int priority, int port) {
        return """
                routes:
                  - id: api
                    priority: %d
                    match: {pathPrefix: /api/}
                    pool: api-v1
                pools:
                  - id: api-v1
                    endpoints: ["127.0.0.1:%d"]
                """.formatted(priority, port);
    }

    private FileConfigSource start(Path file, SnapshotStore store) {
        return start(new FileConfigSource(file, store));
    }

    private FileConfigSource start(FileConfigSource s) {
        sources.add(s);
        s.start(snapshot -> {
            synchronized (threads) {
                threads.add(Thread.currentThread().getName());
            }
            delivered.add(snapshot);
        });
        return s;
    }

    private ConfigSnapshot next() throws InterruptedException {
        ConfigSnapshot s = delivered.poll(3, TimeUnit.SECONDS);
        assertNotNull(s, "no snapshot delivered within 3 s");
        return s;
    }

    private static int priority(ConfigSnapshot s) {
        return s.routes().get(0).priority();
    }

    @Test
    void firstSnapshotIsDeliveredByStart() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        FileConfigSource source = start(file, null);
        ConfigSnapshot first = delivered.poll();
        assertNotNull(first, "start() returns after the first delivery");
        assertEquals(1, first.revision());
        assertEquals("file", first.source());
        assertEquals(List.of("api"), first.routes().stream().map(RouteSpec::id).toList());
        assertEquals(List.of(), first.errors());
        assertEquals(first, source.current());
        assertTrue(source.inSync());
        assertEquals("file", source.kind());
    }

    @Test
    void changeIsDetectedWithinTwoSecondsOnTheSourceThread() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        start(file, null);
        next();
        long t0 = System.nanoTime();
        Files.writeString(file, routes(2, 8001));
        ConfigSnapshot s = next();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(2, priority(s));
        assertEquals(2, s.revision());
        assertTrue(ms < 2000, "took " + ms + " ms");
        synchronized (threads) {
            assertTrue(threads.get(1).startsWith("phalanx-config-file"), threads.toString());
        }
    }

    @Test
    void pollingAloneDetectsChangesWithinTwoSeconds() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        start(new FileConfigSource(file, null, FileConfigSource.POLL_INTERVAL, FileConfigSource.SETTLE, false));
        next();
        long t0 = System.nanoTime();
        Path temp = dir.resolve("routes.yaml.new");
        Files.writeString(temp, routes(4, 8001));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        assertEquals(4, priority(next()));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 2000, "took " + ms + " ms");
        synchronized (threads) {
            assertFalse(threads.contains("phalanx-config-file-watch"), threads.toString());
        }
    }

    @Test
    void badFileKeepsThePreviousSnapshotAndReports() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        FileConfigSource source = start(file, null);
        ConfigSnapshot good = next();
        Files.writeString(file, "routes:\n  - id: api\n   pool: [\n");
        ConfigSnapshot bad = next();
        assertTrue(bad.sameConfig(good));
        assertEquals(1, bad.errors().size());
        assertEquals("routes file", bad.errors().get(0).path());
        assertTrue(bad.errors().get(0).message().startsWith("line "), bad.errors().toString());
        assertFalse(source.inSync());
        Files.writeString(file, routes(3, 8001));
        ConfigSnapshot fixed = next();
        assertEquals(3, priority(fixed));
        assertEquals(List.of(), fixed.errors());
        assertTrue(source.inSync());
    }

    @Test
    void invalidObjectKeepsItsLastGoodVersion() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        start(file, null);
        ConfigSnapshot good = next();
        Files.writeString(file, routes(1, 8001).replace("pool: api-v1", "pool: api-v1\n    timeouts: {connect: 5 seconds}"));
        ConfigSnapshot s = next();
        assertEquals(good.routes(), s.routes());
        assertEquals(List.of(new ConfigError("routes[api].timeouts.connect",
                        "\"5 seconds\" is not a duration like 250ms, 2s, 1m"),
                new ConfigError("routes[api]", "not applied; the last good version stays in force")), s.errors());
    }

    @Test
    void atomicRenameReplaceIsDetected() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        start(file, null);
        next();
        Path temp = dir.resolve(".routes.yaml.tmp");
        Files.writeString(temp, routes(5, 8005));
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        ConfigSnapshot s = next();
        assertEquals(5, priority(s));
        assertEquals("127.0.0.1:8005", s.pools().get(0).endpoints().get(0).address());
    }

    @Test
    void burstOfWritesEndsOnTheLastContent() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(0, 8000));
        FileConfigSource source = start(file, null);
        next();
        for (int i = 1; i <= 50; i++) {
            Files.writeString(file, routes(i, 8000 + i));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (priority(source.current()) != 50 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(50, priority(source.current()));
        Thread.sleep(700);
        ConfigSnapshot last = null;
        for (ConfigSnapshot s; (s = delivered.poll()) != null; ) {
            last = s;
        }
        assertNotNull(last);
        assertEquals(50, priority(last), "the last delivery carries the last write");
        assertEquals("127.0.0.1:8050", last.pools().get(0).endpoints().get(0).address());
        assertEquals(List.of(), last.errors());
    }

    @Test
    void formattingOnlyChangesDeliverNothing() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        start(file, null);
        ConfigSnapshot first = next();
        Files.writeString(file, "# a comment only\n" + routes(1, 8001));
        assertNull(delivered.poll(1200, TimeUnit.MILLISECONDS), "same config and errors: no delivery");
        Files.writeString(file, routes(2, 8001));
        ConfigSnapshot s = next();
        assertEquals(2, priority(s));
        assertEquals(first.revision() + 1, s.revision());
    }

    @Test
    void missingFileIsReportedThenPickedUp() throws Exception {
        Path file = dir.resolve("routes.yaml");
        FileConfigSource source = start(file, null);
        ConfigSnapshot empty = next();
        assertEquals(List.of(new ConfigError("routes file", file + " does not exist")), empty.errors());
        assertEquals(List.of(), empty.routes());
        assertFalse(source.inSync());
        Files.writeString(file, routes(1, 8001));
        ConfigSnapshot s = next();
        assertEquals(1, priority(s));
        assertTrue(source.inSync());
    }

    @Test
    void fileLevelProblemsApplyNothing() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes(1, 8001));
        start(file, null);
        ConfigSnapshot good = next();
        Files.writeString(file, routes(1, 8001).replace("routes:", "route:"));
        ConfigSnapshot s = next();
        assertTrue(s.sameConfig(good));
        assertEquals("routes file", s.errors().get(0).path());
        assertTrue(s.errors().get(0).message().startsWith("unknown top-level key \"route\""), s.errors().toString());
        Files.writeString(file, "");
        ConfigSnapshot emptied = next();
        assertTrue(emptied.sameConfig(good));
        assertTrue(emptied.errors().get(0).message().startsWith("is empty"), emptied.errors().toString());
    }

    @Test
    void entriesWithoutIdOrWithDuplicateIdsAreReportedByPath() throws Exception {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, """
                routes:
                  - {id: api, pool: api-v1}
                  - {pool: api-v1}
                  - {id: api, pool: api-v1, priority: 2}
                pools:
                  - {id: api-v1, endpoints: ["127.0.0.1:8001"]}
                """);
        start(file, null);
        ConfigSnapshot s = next();
        assertEquals(List.of(), s.routes());
        assertTrue(s.errors().contains(new ConfigError("routes[1].id", "required: an id like api-v1")), s.errors().toString());
        assertTrue(s.errors().contains(new ConfigError("routes[api]",
                "id api is used by routes[0] and routes[2]; ids must be unique")), s.errors().toString());
    }

    @Test
    void jsonFileIsReadAsJson() throws Exception {
        Path file = dir.resolve("routes.json");
        Files.writeString(file, "{\"routes\": [{\"id\": \"a\", \"pool\": \"p\"}], \"pools\": [{\"id\": \"p\","
                + " \"endpoints\": [{\"address\": \"127.0.0.1:1\", \"weight\": 2}]}]}");
        start(file, null);
        ConfigSnapshot s = next();
        assertEquals(List.of(), s.errors());
        assertEquals(2, s.pools().get(0).endpoints().get(0).weight());
    }

    @Test
    void persistedSnapshotServesWhenTheFileIsBrokenAtStart() throws Exception {
        Path file = dir.resolve("routes.yaml");
        SnapshotStore store = new SnapshotStore(dir.resolve("state"));
        Files.writeString(file, routes(7, 8007));
        FileConfigSource first = start(file, store);
        ConfigSnapshot good = next();
        assertTrue(Files.exists(store.file()));
        first.close();
        Files.writeString(file, "routes: [ {");
        FileConfigSource second = start(file, store);
        ConfigSnapshot restarted = next();
        assertTrue(restarted.sameConfig(good), "served from the persisted snapshot");
        assertEquals(good.revision() + 1, restarted.revision());
        assertEquals("routes file", restarted.errors().get(0).path());
        assertFalse(second.inSync());
    }
}
