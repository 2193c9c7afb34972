package dev.phalanx.cluster.state;

import java.util.List;

/** The membership of a node without a grid: itself, forever. */
public final class LocalMembership implements Membership {
    private final Member self;

    public LocalMembership(String nodeId) {
        this.self = new Member(nodeId, "", true);
    }

    @Override
    public List<Member> members() {
        return List.of(self);
    }

    @Override
    public Member self() {
        return self;
    }

    @Override
    public boolean joined() {
        return false;
    }

    @Override
    public String kind() {
        return "local";
    }

    @Override
    public HealthBoard.Registration addListener(Runnable onChange) {
        return () -> { };
    }
}
