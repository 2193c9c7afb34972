package dev.phalanx.node.http;

/**
 * The minimum body rate over windows of checks (see {@link SlowClientRules}): counts the checks that found a body
 * being read, and at the end of each window compares the bytes that came in it with the minimum. A check that finds
 * the node holding the body back (auto-read off: the upstream is busy or not connected yet, a rate-limit lease is
 * awaited) starts the window again, so only the client's own slowness counts. Event-loop only.
 */
final class BodyRateClock {
    private boolean started;
    private int checks;
    private long windowStart;

    /**
     * @param bytes   bytes read on the connection (or stream) so far
     * @param reading whether the node is reading the body now
     * @return whether the window that just ended brought fewer than the minimum
     */
    boolean tooSlow(long bytes, boolean reading, SlowClientRules rules) {
        if (!reading || !started) {
            started = reading;
            checks = 0;
            windowStart = bytes;
            return false;
        }
        if (++checks < rules.windowChecks()) {
            return false;
        }
        boolean slow = bytes - windowStart < rules.minBytesPerWindow();
        checks = 0;
        windowStart = bytes;
        return slow;
    }

    /** No body in progress. */
    void reset() {
        started = false;
        checks = 0;
    }
}
