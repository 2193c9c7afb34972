package dev.phalanx.node.http;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one periodic check task of a connection's slow-client deadlines ({@link Http1Deadlines},
 * {@link Http2Deadlines}): scheduled only while something is incomplete, cancelled as soon as nothing is.
 * Event-loop only.
 */
final class DeadlineCheck {
    private final Runnable task;
    private final long periodMillis;
    private ScheduledFuture<?> future;
    private boolean fired;

    DeadlineCheck(Runnable task, long periodMillis) {
        this.task = task;
        this.periodMillis = periodMillis;
    }

    boolean running() {
        return future != null;
    }

    /** Whether a deadline passed: the connection is being closed, the check never starts again. */
    boolean fired() {
        return fired;
    }

    /** A deadline passed: stop for good. */
    void fire() {
        fired = true;
        stop();
    }

    /** Starts the check on {@code loop} unless it runs already or a deadline passed. */
    void start(EventExecutor loop) {
        if (future == null && !fired) {
            future = loop.scheduleAtFixedRate(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    void stop() {
        if (future != null) {
            future.cancel(false);
            future = null;
        }
    }
}
