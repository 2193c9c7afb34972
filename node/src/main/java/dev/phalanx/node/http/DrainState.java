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
