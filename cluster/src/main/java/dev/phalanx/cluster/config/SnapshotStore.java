package dev.phalanx.cluster.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.ConfigSnapshotCodec;
import dev.phalanx.cluster.model.ConfigTrees;
import dev.phalanx.cluster.model.Parsed;
import dev.phalanx.cluster.model.SpecCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.stream.Collectors;

/**
 * The last good snapshot on disk ({@code stateDir/last-good-snapshot.json}), so that a node restarted while its
 * config source is unreachable serves what it served before. Writes are atomic (temp file, fsync, rename, fsync of
 * the folder): a crash leaves the old file or the new one, never a torn one. A damaged file is reported, not fatal.
 * Calls do blocking disk I/O: never call them on an event loop.
 */
public final class SnapshotStore {

    public static final String FILE_NAME = "last-good-snapshot.json";

    private final Path dir;
    private final Path file;
    /**
     * What the file holds as far as this store knows: the first {@link #load} reads it, later loads and saves keep
     * it current. The node and its config source both ask for it at start-up; the file is parsed once.
     */
    private volatile Loaded known;

    public SnapshotStore(Path stateDir) {
        this.dir = stateDir;
        this.file = stateDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** What {@link #load} found: a snapshot, nothing (both null), or a problem with the file. */
    public record Loaded(ConfigSnapshot snapshot, ConfigError error) {
        /**
         * The loaded snapshot relabelled for the source that takes it over ({@code file}, {@code etcd}), or null.
         *
         * @param keepErrors whether the persisted errors still apply (etcd: they name keys not yet re-read)
         */
        public ConfigSnapshot as(String source, boolean keepErrors) {
            if (snapshot == null) {
                return null;
            }
            return new ConfigSnapshot(source, snapshot.revision(), snapshot.routes(), snapshot.pools(),
                    keepErrors ? snapshot.errors() : java.util.List.of());
        }
    }

    /** Writes {@code snapshot} atomically, creating the state folder when needed. */
    public void save(ConfigSnapshot snapshot) throws IOException {
        Files.createDirectories(dir);
        byte[] bytes = SpecCodec.toJsonString(ConfigSnapshotCodec.toJson(snapshot)).getBytes(StandardCharsets.UTF_8);
        Path temp = Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDirectory();
        known = new Loaded(snapshot, null);
    }

    /**
     * Never throws: a missing file gives an empty result, a damaged one an error naming the file. Reads the file
     * once; after that (and after a {@link #save}) it answers from memory, as this store is the file's only writer.
     */
    public Loaded load() {
        Loaded k = known;
        if (k == null) {
            k = read();
            known = k;
        }
        return k;
    }

    private Loaded read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Loaded(null, null);
        } catch (IOException e) {
            return new Loaded(null, new ConfigError(file.toString(), "cannot be read, ignored: " + e));
        }
        try {
            Parsed<ConfigSnapshot> parsed = ConfigSnapshotCodec.fromJson(SpecCodec.JSON.readTree(bytes));
            if (!parsed.ok()) {
                return new Loaded(null, new ConfigError(file.toString(), "is damaged and was ignored: "
                        + parsed.errors().stream().limit(3).map(ConfigError::toString)
                        .collect(Collectors.joining("; "))));
            }
            return new Loaded(parsed.value(), null);
        } catch (JsonProcessingException e) {
            return new Loaded(null, new ConfigError(file.toString(), "is damaged and was ignored: "
                    + ConfigTrees.describe(e)));
        } catch (IOException e) {
            return new Loaded(null, new ConfigError(file.toString(), "cannot be read, ignored: " + e));
        }
    }

    /** Makes the rename durable; not every platform can open a folder, so failure here is not an error. */
    private void syncDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort (e.g. Windows)
        }
    }
}
