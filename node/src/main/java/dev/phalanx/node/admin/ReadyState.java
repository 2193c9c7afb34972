package dev.phalanx.node.admin;

import java.util.List;

/**
 * The answer of {@link AdminModel#ready()}: ready, or not ready with the reasons an operator can act on, one short
 * phrase each ({@code "config not loaded"}, {@code "listener web not bound"}, {@code "grid not joined"}).
 */
public record ReadyState(boolean ready, List<String> reasons) {
    public static final ReadyState READY = new ReadyState(true, List.of());

    public ReadyState {
        reasons = List.copyOf(reasons);
        if (ready && !reasons.isEmpty()) {
            throw new IllegalArgumentException("a ready state has no reasons, got " + reasons);
        }
        if (!ready && reasons.isEmpty()) {
            throw new IllegalArgumentException("a state that is not ready needs at least one reason");
        }
    }

    /** Ready when {@code reasons} is empty, else not ready for those reasons. */
    public static ReadyState of(List<String> reasons) {
        return reasons.isEmpty() ? READY : new ReadyState(false, reasons);
    }

    public static ReadyState notReady(String... reasons) {
        return new ReadyState(false, List.of(reasons));
    }
}
