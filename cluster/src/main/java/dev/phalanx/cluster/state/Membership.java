package dev.phalanx.cluster.state;

import java.util.List;

/**
 * The nodes this node shares state with. Without a grid it is this node alone; with one, the members of the grid
 * this node currently sees (after a split brain, the members of its side). Every method is local and non-blocking.
 */
public interface Membership {

    /** One member: its Phalanx node id, its grid address ({@code host:port}, empty without a grid), and whether it is this node. */
    record Member(String nodeId, String address, boolean self) {
    }

    /** The members this node sees, this node included, sorted by node id. */
    List<Member> members();

    /** This node. */
    Member self();

    /** True when state is shared: a grid is configured and this node is a running member of it. */
    boolean joined();

    /** {@code local} or {@code grid}. */
    String kind();

    /**
     * Registers {@code onChange}, run after a member joined or left. It runs on a grid event thread (never an event
     * loop); it must be quick.
     *
     * @return closing it unregisters the listener
     */
    HealthBoard.Registration addListener(Runnable onChange);
}
