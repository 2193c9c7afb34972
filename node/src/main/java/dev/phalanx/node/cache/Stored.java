package dev.phalanx.node.cache;

/** What the store's index holds under a key: a response, or the marker that says which request fields select one. */
sealed interface Stored permits CachedResponse, VaryMarker {
    /** Bytes this item holds, for the store's byte bound. */
    int weight();

    /** The store let go of the item (evicted, purged, replaced): buffers are released once nobody serves them. */
    void dropped();
}
