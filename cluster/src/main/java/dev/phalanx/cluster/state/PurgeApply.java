package dev.phalanx.cluster.state;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * One purge as sent to every member through the grid's executor: runs on the member's executor thread (never an
 * event loop), hands the purge to that member's {@link GridPurgeBus} and answers how many objects it removed (its
 * acknowledgement). Fails on a member without a bound bus, which the sender then lists as missing.
 */
final class PurgeApply implements Callable<Integer>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private final String history;
    private final long generation;
    private final String message;
    private transient HazelcastInstance hz;

    /** @param generation 0 for a purge that could not be logged (applied, but not counted as a generation) */
    PurgeApply(String history, long generation, PurgeMessage message) {
        this.history = history;
        this.generation = generation;
        this.message = message.encode();
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
        this.hz = hz;
    }

    @Override
    public Integer call() {
        Object bus = hz.getUserContext().get(GridPurgeBus.CONTEXT_KEY);
        if (!(bus instanceof GridPurgeBus b)) {
            throw new IllegalStateException("no purge bus on this member");
        }
        return b.receive(history, generation, PurgeMessage.decode(message));
    }
}
