package dev.phalanx.cluster.state;

import java.util.Objects;

/**
 * What a purge removes, as the purge bus carries it between nodes: every cached object for one URL, every object
 * whose URL starts with a prefix, or every object with a tag. The node maps it to and from its cache's own
 * {@code Purge} (the cluster module does not know the node's types); the kinds have the same names.
 */
public record PurgeMessage(Kind kind, String value) {
    public enum Kind { URL, PREFIX, TAG }

    public PurgeMessage {
        Objects.requireNonNull(kind, "kind");
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("purge " + kind.name().toLowerCase() + ": value is empty");
        }
    }

    /** {@code KIND value}: how the message is stored in the grid's purge log and sent to the members. */
    String encode() {
        return kind.name() + ' ' + value;
    }

    /** The inverse of {@link #encode()}. */
    static PurgeMessage decode(String text) {
        int space = text.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException("not a purge message: " + text);
        }
        return new PurgeMessage(Kind.valueOf(text.substring(0, space)), text.substring(space + 1));
    }
}
