package dev.phalanx.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig.AdminConfig;
import dev.phalanx.node.admin.AdminModel;
import dev.phalanx.node.admin.AdminServer;
import dev.phalanx.node.admin.ReadyState;
import dev.phalanx.node.admin.VrrpReport;
import dev.phalanx.node.cache.Purge;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The purge command against a real admin server that requires a token from every peer (loopback included) and
 * answers purges as a model told to: exit codes, the token from a file or the node config, what is printed.
 */
class PurgeCliTest {
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private volatile String answer;
    private AdminServer server;
    private String admin;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() {
        server = new AdminServer(new AdminConfig(new HostPort("127.0.0.1", 0), "s3cret-token"), new Model(),
                peer -> false);
        server.start();
        admin = "127.0.0.1:" + server.localAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyNodeAppliedItExitsZeroAndPrintsEachNode() throws Exception {
        answer = "{\"generation\":7,\"scope\":\"cluster\",\"applied\":[{\"node\":\"n1\",\"removed\":2},"
                + "{\"node\":\"n2\",\"removed\":0}],\"missing\":[]}";
        Path token = Files.createTempFile("token", "");
        Files.writeString(token, "s3cret-token\n");
        assertEquals(0, run("purge", "--prefix", "HTTPS://A.test/img/", "--timeout", "3s", "--admin", admin,
                "--token-file", token.toString()));
        assertEquals(List.of("PREFIX https://a.test/img/ 3000"), asked);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("purge generation 7, scope cluster"), printed);
        assertTrue(printed.contains("n1                   applied, 2 removed"), printed);
    }

    @Test
    void aMissingNodeExitsOneAndTheJsonIsPrintedAsItCame() throws Exception {
        answer = "{\"generation\":8,\"scope\":\"cluster\",\"applied\":[{\"node\":\"n1\",\"removed\":1}],"
                + "\"missing\":[\"n2\"],\"note\":\"the grid shows 1 of the 2 expected members\"}";
        Path cfg = Files.createTempFile("node", ".yaml");
        Files.writeString(cfg, """
                node: { id: n1 }
                listeners: [ { name: web, bind: "127.0.0.1:0" } ]
                admin: { bind: "%s", token: s3cret-token }
                config: { file: /nonexistent/routes.yaml }
                """.formatted(admin));
        assertEquals(1, run("purge", "--tag", "t", "--config", cfg.toString(), "--json"));
        assertEquals(answer, out.toString(StandardCharsets.UTF_8).strip());
        assertEquals(List.of("TAG t 2000"), asked);
    }

    @Test
    void refusalsAndUsageErrorsExitTwo() throws Exception {
        answer = "{}";
        assertEquals(2, run("purge", "--url", "http://a.test/", "--admin", admin));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("answered 401"), err.toString());
        err.reset();
        Path token = Files.createTempFile("token", "");
        Files.writeString(token, "s3cret-token");
        assertEquals(2, run("purge", "--url", "ftp://a.test/", "--admin", admin, "--token-file", token.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("answered 400: {\"status\": 400, \"error\": \"url:"),
                err.toString());
        assertEquals(2, run("purge", "--admin", admin));
        assertEquals(2, run("purge", "--tag", "a", "--url", "http://a.test/"));
        assertEquals(2, run("purge", "--tag", "a", "--admin", "127.0.0.1:1"));
        assertTrue(asked.isEmpty());
    }

    private int run(String... args) {
        return new PurgeCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8)).run(args);
    }

    private final class Model implements AdminModel {
        @Override
        public CompletableFuture<String> purge(Purge purge, Duration timeout) {
            asked.add(purge.kind() + " " + purge.value() + " " + timeout.toMillis());
            return CompletableFuture.completedFuture(answer);
        }

        @Override
        public boolean serving() {
            return true;
        }

        @Override
        public String drainPhase() {
            return null;
        }

        @Override
        public boolean draining() {
            return false;
        }

        @Override
        public ReadyState ready() {
            return ReadyState.of(List.of());
        }

        @Override
        public String configJson() {
            return "{}";
        }

        @Override
        public String clusterJson() {
            return "{}";
        }

        @Override
        public void startDrain() {
        }

        @Override
        public boolean reportVrrp(VrrpReport report) {
            return true;
        }

        @Override
        public String metrics() {
            return "";
        }
    }
}
