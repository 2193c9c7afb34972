package dev.phalanx.node.cache;

/** What a request can do with the stored response it found (RFC 9111 §4). */
public enum Reuse {
    /** Fresh enough for this request: answer from the store. */
    FRESH,
    /** Stale but inside its stale-while-revalidate window: answer from the store, refresh once in the background. */
    STALE_WHILE_REVALIDATE,
    /** Must be validated upstream first (stale, {@code no-cache}, or the request asked). */
    VALIDATE
}
