package dev.phalanx.cluster.config;

import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigException;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.SnapshotAssembler;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Standalone mode: routes and pools from one file (YAML, or JSON by its {@code .json} name), re-read when it
 * changes (see {@link FileWatcher}: polling every 500 ms plus a folder watch, bursts coalesced, latest content
 * wins, atomic rename-replace handled).
 * <p>
 * A file that cannot be read or parsed as a whole applies nothing: the routes in force stay and the snapshot's
 * errors say {@code routes file: ...}. Otherwise every object is validated on its own ({@link SnapshotAssembler}):
 * an invalid one keeps its last good version. Error paths are {@code routes[<id or index>]...} and
 * {@code pools[...]}. The revision counts delivered snapshots, continuing from the persisted one.
 * <p>
 * With a {@link SnapshotStore}, the last good snapshot is loaded at start (it is what stays in force when the file
 * is broken at start-up) and saved whenever the routes or pools change, on the source's thread.
 */
public final class FileConfigSource implements ConfigSource {

    public static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    static final Duration SETTLE = Duration.ofMillis(100);
    private static final System.Logger LOG = System.getLogger(FileConfigSource.class.getName());

    private final Path file;
    private final SnapshotStore store;
    private final FileWatcher watcher;
    private volatile ConfigSnapshot current = new ConfigSnapshot("file", 0, List.of(), List.of(), List.of());
    private volatile boolean inSync;
    private volatile String problem;
    private boolean started;
    // below: touched only by the thread delivering (the caller of start, then the watcher's thread)
    private Consumer<ConfigSnapshot> onChange;
    private ConfigSnapshot lastDelivered;
    private ConfigSnapshot persisted;
    private List<ConfigError> startupErrors = List.of();

    /** @param store where the last good snapshot is kept, or null to keep nothing on disk */
    public FileConfigSource(Path routesFile, SnapshotStore store) {
        this(routesFile, store, POLL_INTERVAL, SETTLE, true);
    }

    FileConfigSource(Path routesFile, SnapshotStore store, Duration pollInterval, Duration settle,
                     boolean watchFolder) {
        this.file = routesFile.toAbsolutePath().normalize();
        this.store = store;
        this.watcher = new FileWatcher(file, pollInterval, settle, watchFolder, this::onContent);
    }

    /** Loads the persisted snapshot, reads the file (delivering the first snapshot before returning), then watches. */
    @Override
    public synchronized void start(Consumer<ConfigSnapshot> onChange) {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        this.onChange = onChange;
        if (store != null) {
            SnapshotStore.Loaded loaded = store.load();
            if (loaded.snapshot() != null) {
                current = loaded.as("file", false);
                persisted = current;
            }
            if (loaded.error() != null) {
                LOG.log(System.Logger.Level.WARNING, loaded.error().toString());
                startupErrors = List.of(loaded.error());
            }
        }
        watcher.checkNow();
        watcher.start();
    }

    @Override
    public ConfigSnapshot current() {
        return current;
    }

    @Override
    public String kind() {
        return "file";
    }

    @Override
    public boolean inSync() {
        return inSync;
    }

    @Override
    public void close() {
        watcher.close();
    }

    @Override
    public String problem() {
        return inSync ? null : problem;
    }

    public Path file() {
        return file;
    }

    private void onContent(byte[] content, IOException problem) {
        ConfigSnapshot previous = current;
        long revision = previous.revision() + 1;
        List<ConfigError> extra = startupErrors;
        startupErrors = List.of();
        ConfigSnapshot next;
        if (content == null) {
            next = keepPrevious(previous, revision, extra, List.of(new ConfigError(RoutesFile.PATH, describe(problem))));
        } else {
            try {
                RoutesFile.Contents c = RoutesFile.parse(content, file);
                List<ConfigError> sourceErrors = new ArrayList<>(extra);
                sourceErrors.addAll(c.errors());
                next = SnapshotAssembler.assemble("file", revision, c.routes(), c.pools(), sourceErrors, previous);
                inSync = true;
                problem = null;
            } catch (ConfigException e) {
                next = keepPrevious(previous, revision, extra, e.errors());
            }
        }
        deliverIfChanged(next);
    }

    private ConfigSnapshot keepPrevious(ConfigSnapshot previous, long revision, List<ConfigError> extra,
                                        List<ConfigError> problems) {
        inSync = false;
        this.problem = problems.isEmpty() ? "routes file not read" : "routes file: " + problems.get(0);
        List<ConfigError> errors = new ArrayList<>(extra);
        errors.addAll(problems);
        return new ConfigSnapshot("file", revision, previous.routes(), previous.pools(), List.copyOf(errors));
    }

    private void deliverIfChanged(ConfigSnapshot next) {
        ConfigSnapshot last = lastDelivered;
        if (last != null && next.sameConfig(last) && next.errors().equals(last.errors())) {
            return;
        }
        current = next;
        lastDelivered = next;
        if (!next.errors().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "routes file " + file + ", revision " + next.revision() + ": "
                    + next.errors().size() + " problem(s): " + next.errors());
        }
        if (store != null && !next.sameConfig(persisted)) {
            try {
                store.save(next);
                persisted = next;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot persist the snapshot to " + store.file() + ": " + e);
            }
        }
        try {
            onChange.accept(next);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "applying config revision " + next.revision() + " failed", e);
        }
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return e.getMessage() + " does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return e.getMessage() + " cannot be read: permission denied";
        }
        return "cannot be read: " + e;
    }
}
