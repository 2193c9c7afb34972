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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md#rules-that-keep-the-house-simple, rules 1 and 2, checked on the production classes of both
 * modules, and again on their source text ({@link #sourceReferencesDependOneWay}): javac inlines constants, so a
 * class that only reads another package's {@code static final String} leaves no trace in its bytecode.
 *
 * <p>Inside {@code node}, packages depend one way along the tiers of {@link #TIERS}: a package may use any package
 * of a later tier, never one of its own or an earlier tier ({@code routing}, {@code ratelimit} and {@code tls} are
 * siblings and stay independent of each other; {@code cache} and then {@code compression} come after them, as a
 * route compiles its cache and compression policies). {@code metrics} may be used by every package and uses none.
 * The root package ({@code Main}, {@code Node}: the wiring), {@code admin} and {@code cli} (the jar's commands and
 * the demo) may use every tier; {@code admin} is used only by the root, the root only by {@code cli} (which starts
 * nodes) and {@code cli} only by the root's {@code Main}. Every package of {@code node} is in one of these layers.
 */
class ArchitectureTest {
    private static final String NODE = "dev.phalanx.node";
    private static final String CLUSTER = "dev.phalanx.cluster";

    /** Dependency order, from downstream to upstream. */
    static final List<List<String>> TIERS = List.of(
            List.of("listener"),
            List.of("http"),
            List.of("routing", "ratelimit", "tls"),
            List.of("cache"),
            List.of("compression"),
            List.of("balancing"),
            List.of("health"),
            List.of("upstream"));

    /** The layers outside the tiers, and which layers each may be used by. */
    static final Map<String, List<String>> USED_ONLY_BY = Map.of(
            "root", List.of("cli"),
            "cli", List.of("root"),
            "admin", List.of("root"));

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
    void everyNodePackageIsInALayer() {
        Set<String> known = new HashSet<>(USED_ONLY_BY.keySet());
        known.add("metrics");
        TIERS.forEach(known::addAll);
        for (String pkg : SourceImports.packagesOf(SourceImports.nodeSources())) {
            assertTrue(known.contains(pkg), "package " + pkg + " of node is in no layer of ArchitectureTest");
        }
    }

    @Test
    void sourceReferencesDependOneWay() {
        List<String> violations = SourceImports.violations(SourceImports.nodeSources(), TIERS, USED_ONLY_BY);
        assertTrue(violations.isEmpty(), "references against the layering:\n" + String.join("\n", violations));
    }

    @Test
    void sourceCheckCatchesViolations() {
        List<List<String>> reversed = new ArrayList<>(TIERS);
        java.util.Collections.reverse(reversed);
        List<String> backwards = SourceImports.violations(SourceImports.nodeSources(), reversed, USED_ONLY_BY);
        assertTrue(backwards.stream().anyMatch(v -> v.contains("Pool.java: balancing -> upstream")),
                "balancing names upstream's Endpoint: upstream-first order must fail: " + backwards);
        // the edge javac hides: a constant of another package, read through its class name only
        assertFalse(SourceImports.references("""
                package dev.phalanx.node.http;
                class T { String s = dev.phalanx.node.listener.X.NAME; /* dev.phalanx.node.admin.Y */ }
                """).contains("admin"), "comments are not references");
        assertTrue(SourceImports.references("""
                package dev.phalanx.node.http;
                import static dev.phalanx.node.listener.Names.PROXY;
                class T { String s = dev.phalanx.node.listener.X.NAME; }
                """).equals(Set.of("listener")));
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
                .layer("cli").definedBy(NODE + ".cli..")
                .layer("metrics").definedBy(NODE + ".metrics..");
        for (List<String> tier : tiers) {
            for (String pkg : tier) {
                rule = rule.layer(pkg).definedBy(NODE + "." + pkg + "..");
            }
        }
        rule = rule.whereLayer("metrics").mayNotAccessAnyLayer();
        for (Map.Entry<String, List<String>> e : USED_ONLY_BY.entrySet()) {
            rule = rule.whereLayer(e.getKey()).mayOnlyBeAccessedByLayers(e.getValue().toArray(new String[0]));
        }
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
