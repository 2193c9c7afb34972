package dev.phalanx.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.cluster.model.ConfigError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidatorTest {

    @TempDir
    Path dir;

    @Test
    void validConfigAndRoutesGiveNoProblems() throws Exception {
        Files.writeString(dir.resolve("node.yaml"), "config: {file: routes.yaml}\n");
        Files.writeString(dir.resolve("routes.yaml"), FileConfigSourceTest.routes(1, 8080));
        assertEquals(List.of(), ConfigValidator.validate(dir.resolve("node.yaml")));
    }

    @Test
    void listsNodeConfigProblems() throws Exception {
        Files.writeString(dir.resolve("node.yaml"), "admin: {bind: '0.0.0.0:9901'}\nlimits: {idleTimeout: 5}\n");
        assertEquals(List.of(
                new ConfigError("admin.token", "required when admin.bind (0.0.0.0:9901) is not a loopback address:"
                        + " anyone who can reach it could drain the node"),
                new ConfigError("limits.idleTimeout", "5 is not a duration like 250ms, 2s, 1m")),
                ConfigValidator.validate(dir.resolve("node.yaml")));
    }

    @Test
    void listsEveryRoutesFileProblem() throws Exception {
        Files.writeString(dir.resolve("node.yaml"), "config: {file: routes.yaml}\n");
        Files.writeString(dir.resolve("routes.yaml"), """
                routes:
                  - {id: api, pool: api-v1, timeouts: {connect: 5 seconds}}
                  - {id: web, pool: nowhere}
                pools:
                  - {id: api-v1, endpoints: ["10.0.0.1"]}
                """);
        assertEquals(List.of(
                new ConfigError("pools[api-v1].endpoints[0]", "\"10.0.0.1\" has no port; write it like 10.0.0.1:8080"),
                new ConfigError("routes[api].timeouts.connect", "\"5 seconds\" is not a duration like 250ms, 2s, 1m"),
                new ConfigError("routes[web].pool", "pool nowhere does not exist")),
                ConfigValidator.validate(dir.resolve("node.yaml")));
    }

    @Test
    void missingRoutesFileIsAProblem() throws Exception {
        Files.writeString(dir.resolve("node.yaml"), "config: {file: routes.yaml}\n");
        assertEquals(List.of(new ConfigError("routes file", dir.resolve("routes.yaml") + " does not exist")),
                ConfigValidator.validate(dir.resolve("node.yaml")));
    }

    @Test
    void etcdModeChecksOnlyTheNodeConfig() throws Exception {
        Files.writeString(dir.resolve("node.yaml"), "config: {etcd: {endpoints: ['http://127.0.0.1:2379']}}\n");
        assertEquals(List.of(), ConfigValidator.validate(dir.resolve("node.yaml")));
    }
}
