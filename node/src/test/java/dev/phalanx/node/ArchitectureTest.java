package dev.phalanx.node;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.Architectures;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md#rules-that-keep-the-house-simple, rules 1 and 2, checked on the production classes of both
 * modules.
 *
 * <p>Inside {@code node}, packages depend one way along the tiers of {@link #TIERS}: a package may use any package
 * of a later tier, never one of its own or an earlier tier ({@code routing}, {@code ratelimit} and {@code tls} are
 * siblings and stay independent of each other). {@code metrics} may be used by every package and uses none.
 * The root package ({@code Main}, {@code Node}: the wiring) and {@code admin} may use every package and are used
 * by none but each other. Packages of {@code node} outside this list are not constrained.
 */
class ArchitectureTest {
    private static final String NODE = "dev.phalanx.node";
    private static final String CLUSTER = "dev.phalanx.cluster";

    /** Dependency order, from downstream to upstream. */
    static final List<List<String>> TIERS = List.of(
            List.of("listener"),
            List.of("http"),
            List.of("routing", "ratelimit", "tls"),
            List.of("balancing"),
            List.of("health"),
            List.of("upstream"));

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.phalanx");
    }

    @Test
    void nodePackagesDependOneWay() {
        layering(TIERS).check(classes);
    }

    @Test
    void upstreamNeverImportsHttp() {
        noClasses().that().resideInAPackage(NODE + ".upstream..")
                .should().dependOnClassesThat().resideInAPackage(NODE + ".http..")
                .because("upstream calls back through an interface it owns")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void clusterNeverDependsOnNode() {
        noClasses().that().resideInAPackage(CLUSTER + "..")
                .should().dependOnClassesThat().resideInAPackage(NODE + "..")
                .because("node depends on cluster, never the other way")
                .check(classes);
    }

    @Test
    void clusterHasNoNetty() {
        // one exception: jetcd takes its TLS settings as Netty's SslContextBuilder, so the class that builds the
        // etcd client names it (and nothing else of Netty)
        noClasses().that().resideInAPackage(CLUSTER + "..")
                .and().doNotHaveFullyQualifiedName(CLUSTER + ".config.EtcdClients")
                .should().dependOnClassesThat().resideInAPackage("io.netty..")
                .because("the control plane and shared state are plain Java; Netty is the data plane's")
                .check(classes);
    }

    @Test
    void jetcdOnlyInClusterConfig() {
        onlyIn("io.etcd..", CLUSTER + ".config..").check(classes);
    }

    @Test
    void hazelcastOnlyInClusterState() {
        onlyIn("com.hazelcast..", CLUSTER + ".state..").check(classes);
    }

    /** The rules are not vacuous: run backwards over the same classes, they find the real dependencies. */
    @Test
    void rulesCatchViolations() {
        assertTrue(classes.contain(NODE + ".balancing.Balancer"), "production classes were imported");
        assertTrue(classes.contain(CLUSTER + ".model.RouteSpec"), "cluster classes were imported");

        List<List<String>> reversed = new ArrayList<>(TIERS);
        java.util.Collections.reverse(reversed);
        EvaluationResult backwards = layering(reversed).evaluate(classes);
        assertTrue(backwards.hasViolation(), "balancing uses upstream's Endpoint: upstream-first order must fail");
        assertTrue(backwards.getFailureReport().toString().contains(NODE + ".upstream.Endpoint"));

        assertTrue(onlyIn("io.netty..", CLUSTER + ".config..").evaluate(classes).hasViolation(),
                "node uses Netty outside cluster.config");
        assertTrue(noClasses().that().resideInAPackage(NODE + ".balancing..")
                .should().dependOnClassesThat().resideInAPackage(NODE + ".upstream..")
                .evaluate(classes).hasViolation(), "balancing uses upstream");
        assertFalse(layering(TIERS).evaluate(classes).hasViolation());
    }

    private static ArchRule onlyIn(String library, String allowedPackage) {
        return noClasses().that().resideOutsideOfPackage(allowedPackage)
                .should().dependOnClassesThat().resideInAPackage(library)
                .because("the data plane sees interfaces; " + library + " stays in " + allowedPackage);
    }

    static LayeredArchitecture layering(List<List<String>> tiers) {
        LayeredArchitecture rule = Architectures.layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .withOptionalLayers(true)
                .layer("root").definedBy(NODE)
                .layer("admin").definedBy(NODE + ".admin..")
                .layer("metrics").definedBy(NODE + ".metrics..");
        for (List<String> tier : tiers) {
            for (String pkg : tier) {
                rule = rule.layer(pkg).definedBy(NODE + "." + pkg + "..");
            }
        }
        rule = rule.whereLayer("metrics").mayNotAccessAnyLayer();
        for (int t = 0; t < tiers.size(); t++) {
            List<String> allowed = new ArrayList<>();
            allowed.add("metrics");
            tiers.subList(t + 1, tiers.size()).forEach(allowed::addAll);
            for (String pkg : tiers.get(t)) {
                rule = rule.whereLayer(pkg).mayOnlyAccessLayers(allowed.toArray(new String[0]));
            }
        }
        return rule;
    }
}
