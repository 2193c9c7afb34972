package dev.phalanx.node.http;

import dev.phalanx.cluster.model.TimeoutsSpec;

/**
 * An exchange's upstream timeouts (the route's {@code timeouts.response} and {@code timeouts.idle}) without a clock
 * read per read or write: I/O only sets a flag, and the connection's ticker ({@link ProxyHandler#TICK_MILLIS})
 * turns it into a time and arms the response deadline on its first tick after the request went up. Both timeouts
 * are precise to one tick. Event-loop only.
 */
final class UpstreamTimer {
    private boolean active;
    private long lastActivity;
    private boolean deadlineArmed;
    private long responseDeadline;

    UpstreamTimer(long startNanos) {
        this.lastActivity = startNanos;
    }

    /** Upstream I/O happened. */
    void activity() {
        active = true;
    }

    /** The request (of this attempt) went up in full: the response deadline starts on the next tick. */
    void requestSent() {
        active = true;
        deadlineArmed = false;
    }

    /**
     * @param now              the tick's {@code System.nanoTime()}
     * @param awaitingResponse the request went up and no response head came yet
     * @return whether the attempt ran out of time: no response head by the deadline, or no I/O for the idle time
     */
    boolean expired(long now, TimeoutsSpec timeouts, boolean requestSent, boolean awaitingResponse) {
        if (active) {
            active = false;
            lastActivity = now;
        }
        if (requestSent && !deadlineArmed) {
            deadlineArmed = true;
            responseDeadline = now + timeouts.response().toNanos();
        }
        boolean responseLate = awaitingResponse && now - responseDeadline >= 0;
        return responseLate || now - lastActivity >= timeouts.idle().toNanos();
    }
}
