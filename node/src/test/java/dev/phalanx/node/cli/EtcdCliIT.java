package dev.phalanx.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.testsupport.EtcdProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd admin commands ({@link EtcdCli}) in this JVM against a real etcd: validation, CAS, exit codes. */
class EtcdCliIT {
    @TempDir
    Path dir;
    private EtcdProcess etcd;

    private record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    @BeforeEach
    void startEtcd() {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
    }

    @AfterEach
    void stopEtcd() {
        etcd.close();
    }

    private Result cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.contains("--endpoints") && !all.contains("--config")) {
            all.addAll(List.of("--endpoints", etcd.endpoint()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new EtcdCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(all.toArray(String[]::new));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void putGetDeleteWithValidationAndCompareAndSwap() throws Exception {
        Path route = file("api.json", "{\"id\": \"api\", \"match\": {\"pathPrefix\": \"/api/\"}, \"pool\": \"api-v1\"}");
        Result r = cli("routes", "put", route.toString());
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.err().contains("/phalanx/routes/api.pool: pool api-v1 does not exist in etcd"), r.all());

        Path pool = file("pool.json", "{\"id\": \"api-v1\", \"endpoints\": [\"127.0.0.1:8001\"]}");
        assertEquals(0, cli("pools", "put", pool.toString()).exit());
        r = cli("routes", "put", route.toString());
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("/phalanx/routes/api written at revision"), r.all());

        Path bad = file("bad.json", "{\"id\": \"api\", \"pool\": \"api-v1\", \"timeouts\": {\"connect\": \"5 seconds\"}}");
        r = cli("routes", "put", bad.toString());
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.err().contains("/phalanx/routes/api.timeouts.connect: \"5 seconds\" is not a duration"), r.all());
        r = cli("routes", "put", file("broken.json", "{\"id\": ").toString());
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.err().contains("is not valid JSON"), r.all());

        r = cli("routes", "get", "api");
        assertEquals(0, r.exit(), r.all());
        assertTrue(r.out().contains("\"pathPrefix\": \"/api/\""), r.all());
        long modRevision = Long.parseLong(r.err().replaceAll("(?s).*mod revision (\\d+).*", "$1"));

        // someone else writes in between: a put over the version read before is refused
        etcd.etcdctl("put", "/phalanx/routes/api", "{\"id\": \"api\", \"pool\": \"api-v1\"}");
        r = cli("routes", "put", route.toString(), "--expect-revision", String.valueOf(modRevision));
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.err().contains("conflict: /phalanx/routes/api changed meanwhile"), r.all());
        assertEquals("{\"id\": \"api\", \"pool\": \"api-v1\"}",
                etcd.etcdctl("get", "/phalanx/routes/api", "--print-value-only").trim(), "not overwritten");
        r = cli("routes", "put", file("new.json", "{\"id\": \"new\", \"pool\": \"api-v1\"}").toString(),
                "--expect-revision", "0");
        assertEquals(0, r.exit(), "0 = create only: " + r.all());
        assertEquals(1, cli("routes", "put", dir.resolve("new.json").toString(), "--expect-revision", "0").exit(),
                "create only, but it exists now");

        r = cli("routes", "get");
        assertTrue(r.out().contains("api\tmod revision") && r.out().contains("new\tmod revision"), r.all());
        assertEquals(0, cli("routes", "delete", "new").exit());
        assertEquals(1, cli("routes", "get", "new").exit());
        assertEquals(1, cli("routes", "delete", "new").exit(), "nothing to delete");
    }

    @Test
    void statusListsEveryNodesRevision() throws Exception {
        Result r = cli("status");
        assertEquals(1, r.exit(), r.all());
        assertTrue(r.out().contains("no node has written its status"), r.all());
        etcd.etcdctl("put", "/phalanx/pools/p", "{\"id\": \"p\", \"endpoints\": [\"127.0.0.1:9\"]}");
        etcd.etcdctl("put", "/phalanx/nodes/n1", "{\"node\": \"n1\", \"revision\": 2, \"errors\": [], \"version\": "
                + "\"x\", \"appliedAt\": \"2026-01-01T00:00:00Z\", \"inSync\": true}");
        etcd.etcdctl("put", "/phalanx/nodes/n2", "{\"node\": \"n2\", \"revision\": 1, \"errors\": [], \"version\": "
                + "\"x\", \"appliedAt\": \"2026-01-01T00:00:00Z\", \"inSync\": true}");
        r = cli("status");
        assertEquals(1, r.exit(), "n2 is behind: " + r.all());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("n1") && l.contains("in sync")), r.all());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("n2") && l.contains("BEHIND")), r.all());
        etcd.etcdctl("del", "/phalanx/nodes/n2");
        assertEquals(0, cli("status").exit());
    }

    @Test
    void usageAndConnectionProblemsExitTwo() throws Exception {
        Result r = cli("routes", "frobnicate", "--endpoints", etcd.endpoint());
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().contains("unknown routes command"), r.all());
        r = cli("routes", "get", "--endpoints", "http://127.0.0.1:" + EtcdProcess.freePort());
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().startsWith("phalanx: etcd [http://127.0.0.1:"), r.all());
        Path cfg = file("node.yaml", "config: { file: routes.yaml }\n");
        r = cli("status", "--config", cfg.toString());
        assertEquals(2, r.exit(), r.all());
        assertTrue(r.err().contains("config.etcd is not set"), r.all());
        cfg = file("etcd-node.yaml", "config: { etcd: { endpoints: [\"" + etcd.endpoint() + "\"] } }\n");
        assertEquals(0, cli("routes", "get", "--config", cfg.toString()).exit());
    }
}
