package dev.phalanx.cluster.state;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.LifecycleService;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/** The members of the grid as this member sees them; the node id of each is its member attribute. */
final class GridMembership implements Membership {
    private static final System.Logger LOG = System.getLogger(GridMembership.class.getName());

    private final Cluster cluster;
    private final LifecycleService lifecycle;
    private final Member self;

    GridMembership(Cluster cluster, LifecycleService lifecycle, String nodeId) {
        this.cluster = cluster;
        this.lifecycle = lifecycle;
        this.self = new Member(nodeId, address(cluster.getLocalMember()), true);
    }

    private static String address(com.hazelcast.cluster.Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    @Override
    public List<Member> members() {
        if (!joined()) {
            return List.of(self);
        }
        try {
            UUID local = cluster.getLocalMember().getUuid();
            return cluster.getMembers().stream()
                    .map(m -> new Member(nodeId(m), address(m), m.getUuid().equals(local)))
                    .sorted(Comparator.comparing(Member::nodeId).thenComparing(Member::address))
                    .toList();
        } catch (RuntimeException stopped) {
            return List.of(self);
        }
    }

    private static String nodeId(com.hazelcast.cluster.Member m) {
        String id = m.getAttribute(GridConfigs.NODE_ID_ATTRIBUTE);
        return id == null ? "?" + m.getUuid() : id;
    }

    @Override
    public Member self() {
        return self;
    }

    @Override
    public boolean joined() {
        return lifecycle.isRunning();
    }

    @Override
    public String kind() {
        return "grid";
    }

    @Override
    public HealthBoard.Registration addListener(Runnable onChange) {
        UUID id = cluster.addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                run(onChange, event);
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                run(onChange, event);
            }
        });
        return () -> {
            try {
                cluster.removeMembershipListener(id);
            } catch (RuntimeException stopped) {
                // the member is gone already
            }
        };
    }

    private static void run(Runnable onChange, MembershipEvent event) {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "membership listener failed on " + event, e);
        }
    }
}
