package dev.phalanx.chaos.scenario;

import dev.phalanx.chaos.cluster.ChaosCluster;
import dev.phalanx.chaos.cluster.Topology;
import dev.phalanx.chaos.report.ChaosReport;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives scenarios the one cluster of this test run: started by the first scenario that asks, reset by each
 * scenario, removed (and dockerd stopped, when this run started it) when the whole run ends.
 */
public final class ChaosClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ChaosClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == ChaosCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(NS).computeIfAbsent("cluster", k -> new Holder(), Holder.class).cluster;
    }

    private static final class Holder implements AutoCloseable {
        final ChaosCluster cluster;

        Holder() {
            ChaosReport report = ChaosReport.get(); // its clock (suite wall_ms) starts before the images and the cluster
            Path reportDir = Path.of(System.getProperty("chaos.reportDir", "target"));
            Path project = Path.of(System.getProperty("chaos.projectDir", "..")).toAbsolutePath().normalize();
            cluster = ChaosCluster.start(Topology.fromSystemProperties(), reportDir.resolve("chaos-work"), project);
            report.suiteFigure("image_build_ms", cluster.imageBuildMs());
            report.suiteFigure("cluster_start_ms", cluster.startMs());
        }

        @Override
        public void close() {
            cluster.dumpLogs();
            cluster.close();
        }
    }
}
