package dev.phalanx.chaos.load;

/**
 * One request of the load: which target (VIP), when it started and ended (epoch microseconds), the status (0 when
 * no response came) or the error, and the connection it went on (id, when that connection was opened).
 */
public record Sample(int target, long startMicros, long endMicros, int status, String error, long conn,
        long connOpenedMicros) {

    public boolean answered() {
        return error == null && status > 0;
    }

    public double latencyMs() {
        return (endMicros - startMicros) / 1000.0;
    }

    /** A compact row for the report: [start ms, latency ms, target, status, error or "", connection id]. */
    public Object[] row(long originMicros) {
        return new Object[] {(startMicros - originMicros) / 1000, Math.round(latencyMs() * 10) / 10.0, target, status,
                error == null ? "" : error, conn};
    }
}
