package dev.phalanx.node.listener;

/**
 * What one drain sweep found on a listener's downstream connections.
 *
 * @param connections open connections
 * @param idle        open HTTP/1 connections with nothing in progress, and HTTP/2 connections with no open stream
 * @param inFlight    requests in progress: one per busy HTTP/1 connection, one per open HTTP/2 stream, one per tunnel
 * @param fromBefore  connections still open that were already open when the drain started
 */
public record DrainSweep(int connections, int idle, int inFlight, int fromBefore) {
    public static final DrainSweep NONE = new DrainSweep(0, 0, 0, 0);

    public DrainSweep plus(DrainSweep o) {
        return new DrainSweep(connections + o.connections, idle + o.idle, inFlight + o.inFlight,
                fromBefore + o.fromBefore);
    }
}
