package dev.phalanx.chaos.ansible;

import dev.phalanx.chaos.report.ChaosReport;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives the Ansible scenarios the one Ansible-installed cluster of this test run: started (hosts booted, site.yml run
 * once) by the first scenario that asks, removed when the whole run ends. The scenarios share it: each leaves it
 * serving on all three VIPs.
 */
public final class AnsibleClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(AnsibleClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == AnsibleCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(NS).computeIfAbsent("cluster", k -> new Holder(), Holder.class).cluster;
    }

    private static final class Holder implements AutoCloseable {
        final AnsibleCluster cluster;

        Holder() {
            ChaosReport report = ChaosReport.get();
            Path reportDir = Path.of(System.getProperty("chaos.reportDir", "target"));
            Path project = Path.of(System.getProperty("chaos.projectDir", "..")).toAbsolutePath().normalize();
            cluster = AnsibleCluster.start(AnsibleTopology.fromSystemProperties(), reportDir.resolve("ansible-work"),
                    project);
            report.suiteFigure("ansible_image_build_ms", cluster.imageBuildMs());
            report.suiteFigure("ansible_hosts_start_ms", cluster.hostsStartMs());
            report.suiteFigure("ansible_site_first_run_ms", cluster.firstSiteRun().durationMs());
        }

        @Override
        public void close() {
            cluster.dumpLogs();
            cluster.close();
        }
    }
}
