package dev.phalanx.node.health;

import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.ProbeAssignment;
import dev.phalanx.node.metrics.Meters;
import io.netty.channel.Channel;

/** What every {@link EndpointProbe} of one {@link HealthChecker} shares. */
record ProbeContext(Class<? extends Channel> channelClass, HealthBoard board, BoardWriter writer,
                    ProbeAssignment assignment, Meters meters, String nodeId) {
}
