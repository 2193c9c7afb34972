package dev.phalanx.cluster.state;

import java.util.List;
import java.util.function.Consumer;

/**
 * The session-ticket keys every TLS listener of this node installs. Time is cut into epochs of
 * {@code tickets.rotateEvery}; the ring holds the key of the current epoch (it encrypts new tickets) and the keys of
 * the neighbouring epochs (they only decrypt): the next one, so a ticket issued by a node whose clock is slightly
 * ahead still resumes, and the previous ones, so tickets stay valid for their lifetime after a rotation.
 *
 * <p>The local ring generates keys in memory; the grid ring agrees on them cluster-wide. Neither ever writes key
 * material to disk. {@link #keys()} is local and non-blocking; a grid ring that cannot reach its peers keeps the keys
 * it has and keeps rotating locally.
 */
public interface TicketKeyRing extends AutoCloseable {

    /** The keys to install now, never empty: the first encrypts, every key decrypts. Thread-safe, non-blocking. */
    List<TicketKey> keys();

    /**
     * Called with the new key list whenever it changes (rotation, a key agreed with the grid). Runs on the ring's own
     * thread, never an event loop; it must be quick.
     *
     * @return closing it unregisters the listener
     */
    HealthBoard.Registration onChange(Consumer<List<TicketKey>> listener);

    /** The epochs of {@link #keys()}, in the same order, for admin pages (never key material). */
    default List<Long> epochs() {
        return keys().stream().map(TicketKey::epoch).toList();
    }

    /** {@code local} or {@code grid}. */
    String kind();

    @Override
    void close();
}
