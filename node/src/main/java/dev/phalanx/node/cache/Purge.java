package dev.phalanx.node.cache;

import java.util.Objects;

/**
 * What one purge removes from a node's cache: the object stored for one URL (every {@code Vary} variant of it),
 * every object whose URL starts with a prefix, or every object that carries a tag (from the response header the
 * route names, such as {@code Surrogate-Key}). URLs are absolute, {@code scheme://host[:port]/path[?query]}, with the
 * host in lower case, as the cache keys them.
 */
public record Purge(Kind kind, String value) {
    public enum Kind { URL, PREFIX, TAG }

    public Purge {
        Objects.requireNonNull(kind, "kind");
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("purge " + kind.name().toLowerCase() + ": value is empty");
        }
        if (kind != Kind.TAG && !(value.startsWith("http://") || value.startsWith("https://"))) {
            throw new IllegalArgumentException("purge " + kind.name().toLowerCase()
                    + ": '" + value + "' is not an absolute http:// or https:// URL");
        }
    }
}
