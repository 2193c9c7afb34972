package dev.phalanx.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line of the real jar: {@code validate} answers 0 or 1 with {@code path: message} lines, a bad
 * config at start-up exits 2 with a clear message and no stack trace. */
class CliIT {
    @TempDir
    Path dir;

    private record Result(int exit, String output) {
    }

    private static Result run(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("java", "-jar", "target/phalanx-node.jar"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    private Path nodeConfig(String routes) throws Exception {
        Files.writeString(dir.resolve("routes.yaml"), routes);
        Path cfg = dir.resolve("node.yaml");
        Files.writeString(cfg, """
                node: { id: cli, stateDir: "%s" }
                listeners: [ { name: web, bind: "127.0.0.1:0" } ]
                admin: { bind: "127.0.0.1:0" }
                config: { file: routes.yaml }
                """.formatted(dir.resolve("state")));
        return cfg;
    }

    @Test
    void validateAcceptsAGoodConfig() throws Exception {
        Path cfg = nodeConfig("""
                routes: [ { id: all, match: { pathPrefix: / }, pool: p } ]
                pools: [ { id: p, endpoints: [ "127.0.0.1:9" ] } ]
                """);
        Result r = run("validate", "--config", cfg.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(": ok"), r.output());
    }

    @Test
    void validateListsEveryProblemWithItsPath() throws Exception {
        Path cfg = nodeConfig("""
                routes: [ { id: all, match: { pathPrefix: / }, pool: p, timeouts: { connect: "5 seconds" } } ]
                pools: [ { id: p, lb: fastest, endpoints: [ "127.0.0.1:9" ] } ]
                """);
        Result r = run("validate", "--config", cfg.toString());
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("routes[all].timeouts.connect: \"5 seconds\" is not a duration"), r.output());
        assertTrue(r.output().contains("pools[p].lb:"), r.output());
        assertFalse(r.output().contains("Exception"), r.output());
    }

    @Test
    void aBadNodeConfigExitsTwoWithoutAStackTrace() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "listeners: [ { name: web, bind: \"no-port\" } ]\nadmin: { bind: \"10.1.2.3:9901\" }\n");
        Result r = run("--config", cfg.toString());
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("listeners[web].bind"), r.output());
        assertTrue(r.output().contains("admin.token"), r.output());
        assertFalse(r.output().contains("\tat "), "no stack trace: " + r.output());
    }
}
