package dev.phalanx.node.http;

import java.time.Instant;

/**
 * Where the node is in a graceful drain. From the first phase on, every HTTP/1 response carries
 * {@code Connection: close} and its connection closes after it; the phases only ever move forward.
 * Read on the event loops (one volatile read per response), written by the drain thread.
 */
public final class DrainState {

    /** The phases, in order; {@link #SERVING} is the state before any drain. */
    public enum Phase {
        SERVING, CLOSING, RELEASING, FINISHING;

        /** The name in {@code /cluster} and {@code /healthz}: {@code closing}, {@code releasing}... */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private volatile Phase phase = Phase.SERVING;
    private volatile Instant startedAt;
    private volatile boolean handover;

    public boolean isDraining() {
        return phase != Phase.SERVING;
    }

    public Phase phase() {
        return phase;
    }

    /** When the drain started, or null before. */
    public Instant startedAt() {
        return startedAt;
    }

    /** Starts the drain ({@link Phase#CLOSING}); false when one had already started. */
    public synchronized boolean start() {
        if (phase != Phase.SERVING) {
            return false;
        }
        startedAt = Instant.now();
        phase = Phase.CLOSING;
        return true;
    }

    /**
     * Starts a handover drain (an in-place upgrade: a new process of this node already accepts on the same ports and
     * keeps the VIPs): straight to {@link Phase#FINISHING}, never through {@code releasing}; false when a drain had
     * already started.
     */
    public synchronized boolean startHandover() {
        if (phase != Phase.SERVING) {
            return false;
        }
        startedAt = Instant.now();
        handover = true;
        phase = Phase.FINISHING;
        return true;
    }

    /** Whether this drain is a handover to a new process (the VIPs stay, /healthz stays 200). */
    public boolean isHandover() {
        return handover;
    }

    /** Moves to {@code next} unless the drain is already there or past it. */
    public synchronized void advanceTo(Phase next) {
        if (next.compareTo(phase) > 0) {
            if (startedAt == null) {
                startedAt = Instant.now();
            }
            phase = next;
        }
    }
}
