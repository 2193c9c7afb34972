package dev.phalanx.chaos.ansible;

import dev.phalanx.chaos.report.ChaosReport;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives the Ansible scenarios the one Ansible-installed cluster of this test run: started (hosts booted, site.yml run
 * once) by the first scenario that asks, removed when the whole run ends. The scenarios share it: each leaves it
 * serving on all three VIPs. The last of them (marked {@link Last}) removes it when it ends, so its idle hosts do not
 * load the machine during the other chaos scenarios; otherwise it goes when the whole run ends.
 */
public final class AnsibleClusterExtension implements ParameterResolver, AfterAllCallback {
    /** Marks the last Ansible scenario of the run: the shared cluster is removed after its class. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Last {
    }

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(AnsibleClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == AnsibleCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(NS).computeIfAbsent("cluster", k -> new Holder(), Holder.class).cluster;
    }

    @Override
    public void afterAll(ExtensionContext c) {
        if (c.getRequiredTestClass().isAnnotationPresent(Last.class)) {
            Holder h = c.getRoot().getStore(NS).remove("cluster", Holder.class);
            if (h != null) {
                h.close();
            }
        }
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
