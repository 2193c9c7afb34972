package dev.phalanx.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.Parsed;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.model.RouteSpec;
import dev.phalanx.cluster.model.SpecCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {

    @TempDir
    Path dir;

    static ConfigSnapshot sample(long revision) throws Exception {
        Parsed<RouteSpec> r = SpecCodec.parseRoute(SpecCodec.readTree(
                "{\"id\": \"api\", \"pool\": \"p\", \"match\": {\"hosts\": [\"*.example.org\"]},"
                        + " \"rateLimit\": {\"key\": \"route\", \"limit\": 10}}"), "routes[api]");
        Parsed<PoolSpec> p = SpecCodec.parsePool(SpecCodec.readTree(
                "{\"id\": \"p\", \"endpoints\": [\"[::1]:8080\"], \"healthCheck\": {}}"), "pools[p]");
        return new ConfigSnapshot("etcd", revision, List.of(r.value()), List.of(p.value()),
                List.of(new ConfigError("routes[x].pool", "pool y does not exist")));
    }

    @Test
    void roundTripsAndCreatesTheStateFolder() throws Exception {
        SnapshotStore store = new SnapshotStore(dir.resolve("state/nested"));
        assertEquals(new SnapshotStore.Loaded(null, null), store.load());
        ConfigSnapshot s = sample(41);
        store.save(s);
        assertEquals(new SnapshotStore.Loaded(s, null), store.load());
        assertEquals(new SnapshotStore.Loaded(s, null), new SnapshotStore(dir.resolve("state/nested")).load(),
                "a new store (a restarted node) reads it from disk");
        ConfigSnapshot newer = sample(42);
        store.save(newer);
        assertEquals(newer, store.load().snapshot());
        assertEquals(newer, new SnapshotStore(dir.resolve("state/nested")).load().snapshot());
        try (Stream<Path> files = Files.list(store.file().getParent())) {
            assertEquals(List.of(SnapshotStore.FILE_NAME), files.map(f -> f.getFileName().toString()).toList(),
                    "no temp files are left behind");
        }
    }

    @Test
    void corruptFileIsReportedNotFatal() throws Exception {
        SnapshotStore store = new SnapshotStore(dir);
        Files.writeString(store.file(), "{\"source\": \"etcd\", \"revision\": 3, \"routes\": [");
        SnapshotStore.Loaded loaded = store.load();
        assertNull(loaded.snapshot());
        assertEquals(store.file().toString(), loaded.error().path());
        store = new SnapshotStore(dir); // each damaged file below is read by a fresh store, as at a node's start
        assertTrue(loaded.error().message().startsWith("is damaged and was ignored: line 1"), loaded.error().message());

        Files.writeString(store.file(), "{\"source\": \"etcd\", \"revision\": 3, \"routes\": [{\"id\": \"a\","
                + " \"pool\": \"gone\"}], \"pools\": [], \"errors\": []}");
        loaded = store.load();
        assertNull(loaded.snapshot());
        assertTrue(loaded.error().message().contains("names pool gone"), loaded.error().message());

        Files.writeString(store.file(), "");
        store = new SnapshotStore(dir);
        assertTrue(store.load().error().message().startsWith("is damaged"));

        store.save(sample(1));
        assertEquals(sample(1), store.load().snapshot(), "a later save replaces the damaged file");
        assertEquals(sample(1), new SnapshotStore(dir).load().snapshot());
    }

    @Test
    void theFileIsParsedOnceThenAnsweredFromMemory() throws Exception {
        new SnapshotStore(dir).save(sample(7));
        SnapshotStore store = new SnapshotStore(dir);
        assertEquals(sample(7), store.load().snapshot());
        Files.delete(store.file()); // the node is the file's only writer: a second load (the source's) does not read
        assertEquals(sample(7), store.load().snapshot());
    }
}
