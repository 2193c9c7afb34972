package dev.phalanx.cluster.state;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.MultiExecutionCallback;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/** The acknowledgements of one purge; completes its result once, when all answered or at the deadline. */
final class PurgeAcks implements MultiExecutionCallback {
    private final long generation;
    private final Set<Member> members;
    private final int expectedMembers;
    private final String note;
    private final CompletableFuture<PurgeResult> result;
    private final Map<String, Integer> removed = new ConcurrentHashMap<>();
    private final Map<String, String> failed = new ConcurrentHashMap<>();
    private final AtomicBoolean done = new AtomicBoolean();

    PurgeAcks(long generation, Set<Member> members, int expectedMembers, String note,
              CompletableFuture<PurgeResult> result) {
        this.generation = generation;
        this.members = members;
        this.expectedMembers = expectedMembers;
        this.note = note;
        this.result = result;
    }

    @Override
    public void onResponse(Member member, Object value) {
        if (value instanceof Integer n) {
            removed.put(GridPurgeBus.nodeId(member), n);
        } else {
            failed.put(GridPurgeBus.nodeId(member), value instanceof Throwable t ? GridPurgeBus.rootMessage(t)
                    : String.valueOf(value));
        }
        if (removed.size() + failed.size() >= members.size()) {
            finish();
        }
    }

    @Override
    public void onComplete(Map<Member, Object> values) {
        finish();
    }

    void finish() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        List<PurgeResult.Ack> acks = new ArrayList<>();
        new TreeMap<>(removed).forEach((node, n) -> acks.add(new PurgeResult.Ack(node, n)));
        List<String> missing = members.stream().map(GridPurgeBus::nodeId).filter(id -> !removed.containsKey(id))
                .sorted().toList();
        String why = note;
        if (!failed.isEmpty()) {
            why = GridPurgeBus.join(why, "failed on " + new TreeMap<>(failed));
        }
        if (members.size() < expectedMembers) {
            why = GridPurgeBus.join(why, "the grid shows " + members.size() + " of the " + expectedMembers + " expected members:"
                    + " the others replay logged purges from the purge log when they are back");
        }
        result.complete(new PurgeResult(generation, PurgeResult.CLUSTER, acks, missing, why));
    }
}
