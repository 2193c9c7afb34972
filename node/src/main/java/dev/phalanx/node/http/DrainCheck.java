package dev.phalanx.node.http;

/** What one drain sweep found on a downstream connection. */
public enum DrainCheck {
    /** A request (HTTP/1) or stream (HTTP/2) is in progress, or bytes of one are arriving. */
    BUSY,
    /** Open with nothing in progress; closed once it stayed so for the sweep's grace. */
    IDLE,
    /** Closed, or closing now. */
    CLOSED
}
