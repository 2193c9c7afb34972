package dev.phalanx.cluster.config;

import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import io.etcd.jetcd.Client;
import java.util.function.Supplier;

/**
 * The one jetcd client of a node, built on first use, replaced on demand ({@link #reset}: a fresh client
 * authenticates again and reconnects to every endpoint), and closed once. Thread-safe.
 */
final class EtcdClientHolder implements Supplier<Client>, AutoCloseable {
    private final EtcdConfig config;
    private final Object lock = new Object();
    private Client client;
    private boolean closed;

    EtcdClientHolder(EtcdConfig config) {
        this.config = config;
    }

    /** The client; throws IllegalStateException once closed. */
    @Override
    public Client get() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            if (client == null) {
                client = EtcdClients.build(config);
            }
            return client;
        }
    }

    /** Closes the client in use; the next {@link #get} builds a new one. */
    void reset() {
        Client old;
        synchronized (lock) {
            old = client;
            client = null;
        }
        if (old != null) {
            old.close();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        reset();
    }
}
