package dev.phalanx.node.http;

/** Whether the node is draining: responses then carry {@code Connection: close} and connections close after them. */
public final class DrainState {
    private volatile boolean draining;

    public boolean isDraining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
