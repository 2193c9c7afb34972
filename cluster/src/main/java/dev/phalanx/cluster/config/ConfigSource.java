package dev.phalanx.cluster.config;

import dev.phalanx.cluster.model.ConfigSnapshot;
import java.util.function.Consumer;

/**
 * Where routes and pools come from: a file ({@link FileConfigSource}) or etcd. A source delivers whole, validated
 * snapshots and keeps the last good version of every object when an update is invalid.
 */
public interface ConfigSource extends AutoCloseable {

    /**
     * Starts watching. {@code onChange} is called on the source's own thread (never an event loop; the first call
     * may happen inside {@code start} on the caller's thread), one call at a time, and only when the snapshot's
     * routes or pools differ from the last one delivered, or its errors changed. The first snapshot is always
     * delivered. The callback should hand the snapshot off quickly (compile, swap) and must not block for long.
     */
    void start(Consumer<ConfigSnapshot> onChange);

    /** The snapshot in force now (an empty one with revision 0 before anything was loaded). Thread-safe. */
    ConfigSnapshot current();

    /** {@code file} or {@code etcd}. */
    String kind();

    /**
     * Whether the source sees its backing store now: for a file, the last read parsed as a whole; for etcd, the
     * watch is connected. While false the node serves the last good snapshot.
     */
    boolean inSync();

    /**
     * Why the source is not in sync, as an operator-facing phrase ({@code "routes file: ..."}, {@code "etcd did
     * not answer ..."}); null while it is in sync.
     */
    String problem();

    /** Stops watching and releases threads; idempotent. */
    @Override
    void close();
}
